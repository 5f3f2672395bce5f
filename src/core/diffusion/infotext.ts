/**
 * A1111's "parameters" text (infotext), written into every PNG and read back by PNG Info:
 *   <prompt>
 *   Negative prompt: <negative>            (only when non-empty)
 *   Steps: 20, Sampler: Euler a, CFG scale: 7, Seed: 42, Size: 512x512, Model hash: …, Model: …
 * Values holding ',', ':' or a newline are JSON-quoted, as A1111's `quote()` does. Parsing is linear in the
 * text (`infotext-params.ts`).
 */
import { scanParams } from './infotext-params.ts';
import { withA1111Fields, type A1111Fields } from './infotext-fields.ts';
import { infotextSamplerNames } from './infotext-sampler.ts';

export interface Infotext {
  prompt: string;
  negativePrompt: string;
  /** key → value, in order (values unquoted) */
  params: Map<string, string>;
}

function quote(value: string): string {
  return /[,:\n]/.test(value) ? JSON.stringify(value) : value;
}

export function formatInfotext({ prompt, negativePrompt, params }: Infotext): string {
  const line = [...params].map(([k, v]) => (k === v ? k : `${k}: ${quote(v)}`)).join(', ');
  const negative = negativePrompt ? `\nNegative prompt: ${negativePrompt}` : '';
  return `${prompt}${negative}\n${line}`.trim();
}

/** The shape of a JSON string literal (a linear pattern: its alternatives never overlap). */
// eslint-disable-next-line no-control-regex -- JSON strings exclude raw control characters
const JSON_STRING = /^"(?:[^"\\\u0000-\u001f]|\\["\\/bfnrt]|\\u[0-9a-fA-F]{4})*"$/;

function paramsOf(found: readonly [string, string][]): Map<string, string> {
  const params = new Map<string, string>();
  for (const [key, raw] of found) {
    let value = raw.trim();
    // pre-checked: a failed JSON.parse throws, and 100,000 throws take a second
    if (JSON_STRING.test(value)) {
      try {
        value = JSON.parse(value) as string;
      } catch {
        // keep the raw text, as A1111 does when unquoting fails
      }
    }
    params.set(key.trim(), value);
  }
  return params;
}

/** A1111's `parse_generation_parameters` (the parts this app uses). */
export function parseInfotext(text: string): Infotext {
  const lines = text.trim().split('\n');
  const last = lines[lines.length - 1] ?? '';
  let params = new Map<string, string>();
  const found = scanParams(last);
  if (found.length >= 3) {
    params = paramsOf(found);
    lines.pop();
  }
  let prompt = '';
  let negativePrompt = '';
  let inNegative = false;
  for (const [i, raw] of lines.entries()) {
    const l = raw.trim();
    if (l.startsWith('Negative prompt:')) {
      inNegative = true;
      negativePrompt = l.slice('Negative prompt:'.length).trim();
    } else if (inNegative) negativePrompt += `\n${l}`;
    else prompt += (i === 0 ? '' : '\n') + l;
  }
  return { prompt, negativePrompt, params };
}

/**
 * The infotext of one generated image, with A1111's keys in A1111's order; `extra` adds issue 14's fields
 * (Clip skip, ENSD, variation seeds, hires…) where A1111 writes them (infotext-fields.ts). Like A1111 1.10 it
 * always writes `Schedule type` (extra.scheduleType, default "Automatic", resolved per sampler) and an old
 * combined sampler name as sampler + schedule ("DPM++ 2M Karras" -> "DPM++ 2M", "Karras").
 */
export function generationInfotext(
  req: { prompt: string; negativePrompt: string; steps: number; sampler: string; cfgScale: number; width: number; height: number },
  seed: number,
  model: { name: string; hash?: string | null },
  extra: A1111Fields = {},
): string {
  const names = infotextSamplerNames(req.sampler, extra.scheduleType);
  const params = new Map<string, string>([
    ['Steps', String(req.steps)],
    ['Sampler', names.sampler],
    ['CFG scale', String(req.cfgScale)],
    ['Seed', String(seed)],
    ['Size', `${req.width}x${req.height}`],
  ]);
  if (model.hash) params.set('Model hash', model.hash);
  params.set('Model', model.name);
  return formatInfotext({ prompt: req.prompt, negativePrompt: req.negativePrompt, params: withA1111Fields(params, { ...extra, scheduleType: names.scheduleType }) });
}

/**
 * The `parameters` of a strength sweep's grid, as A1111's X/Y/Z plot writes a grid's: the first cell's
 * infotext plus `Script`, `X Type` and `X Values`; `Sweep hypernet` names the swept hypernetwork (A1111's
 * "Hypernet str." axis has no name: it scaled the one selected hypernetwork).
 */
export function sweepGridInfotext(firstCell: string, hypernetwork: string, strengths: readonly number[]): string {
  const info = parseInfotext(firstCell);
  const params = new Map(info.params);
  params.set('Script', 'X/Y/Z plot');
  params.set('X Type', 'Hypernet str.');
  params.set('X Values', strengths.map(String).join(', '));
  params.set('Sweep hypernet', hypernetwork);
  return formatInfotext({ ...info, params });
}
