/**
 * PNG Info: the form's parameters from A1111's `parameters` text (A1111's own keys: Steps, Sampler, Schedule
 * type, CFG scale, Seed, Size, Model hash, Model) and the `<hypernet:name:mult>` tags of its prompt. Pure.
 */
import { parseInfotext, type Infotext } from '../core/diffusion/infotext.ts';
import type { GenerationParams } from './generation-types.ts';
import { parseHypernetTags } from '../core/diffusion/prompt/hypernet-tags.ts';

export interface InfotextParams {
  patch: Partial<GenerationParams>;
  /** fields restored, in the form's words */
  restored: string[];
  hypernets: { name: string; multiplier: number }[];
  model: { name: string | null; hash: string | null };
  notes: string[];
}

/**
 * A1111 1.6+ writes "Sampler: DPM++ 2M, Schedule type: Karras"; older versions "Sampler: DPM++ 2M Karras".
 * Returns the app's label for either, or null.
 */
export function samplerLabel(sampler: string, schedule: string | undefined, labels: readonly string[]): string | null {
  const candidates = [schedule && schedule !== 'Automatic' ? `${sampler} ${schedule}` : null, sampler].filter((c): c is string => !!c);
  for (const c of candidates) {
    const found = labels.find((l) => l.toLowerCase() === c.toLowerCase());
    if (found) return found;
  }
  return null;
}

function positiveInt(v: string | undefined): number | null {
  if (v === undefined || !/^\d+$/.test(v.trim())) return null;
  return Number(v.trim());
}

/** A value quoted in a note, cut short (a hostile PNG may carry megabytes). */
const clip = (text: string): string => (text.length > 60 ? `${text.slice(0, 60)}…` : text);

/** The ranges generation accepts; a value outside is not restored (a hostile PNG cannot set Steps to 10^21). */
const RANGES = { Steps: [1, 150], Seed: [0, 0xffffffff], 'CFG scale': [1, 30], Size: [1, 2048] } as const;

function inRange(key: keyof typeof RANGES, value: number, notes: string[]): boolean {
  const [min, max] = RANGES[key];
  if (value >= min && value <= max) return true;
  notes.push(`${key} ${String(value).slice(0, 24)} is outside ${min}–${max}; the current value is kept.`);
  return false;
}

/** The form's parameters from A1111 `parameters` text (or text already parsed, as the parse worker returns it). */
export function paramsFromInfotext(text: string | Infotext, samplerLabels: readonly string[]): InfotextParams {
  const info = typeof text === 'string' ? parseInfotext(text) : text;
  const p = info.params;
  const patch: Partial<GenerationParams> = { prompt: info.prompt, negativePrompt: info.negativePrompt };
  const restored = ['Prompt', 'Negative prompt'];
  const notes: string[] = [];
  const steps = positiveInt(p.get('Steps'));
  if (steps !== null && inRange('Steps', steps, notes)) {
    patch.steps = steps;
    restored.push('Steps');
  }
  const sampler = p.get('Sampler');
  if (sampler !== undefined) {
    const label = samplerLabel(sampler, p.get('Schedule type'), samplerLabels);
    if (label) {
      patch.sampler = label;
      restored.push('Sampler');
    } else notes.push(`Sampler "${clip(sampler)}${p.get('Schedule type') ? ` (${clip(p.get('Schedule type')!)})` : ''}" is not available here; the current one is kept.`);
  }
  const cfg = Number(p.get('CFG scale'));
  if (p.has('CFG scale') && Number.isFinite(cfg) && inRange('CFG scale', cfg, notes)) {
    patch.cfgScale = cfg;
    restored.push('CFG scale');
  }
  const seed = positiveInt(p.get('Seed'));
  if (seed !== null && inRange('Seed', seed, notes)) {
    patch.seed = seed;
    patch.randomSeed = false;
    restored.push('Seed');
  }
  const size = /^(\d+)x(\d+)$/.exec(p.get('Size')?.trim() ?? '');
  if (size && inRange('Size', Number(size[1]), notes) && inRange('Size', Number(size[2]), notes)) {
    patch.width = Number(size[1]);
    patch.height = Number(size[2]);
    restored.push('Size');
  }
  const { tags, error } = parseHypernetTags(info.prompt);
  if (error) notes.push(`The prompt's hypernetwork tags do not parse (${error}); A1111 would apply none of them.`);
  if (p.size === 0) notes.push('No "Steps, Sampler, …" line was found: only the prompt was restored.');
  return { patch, restored, hypernets: tags, model: { name: p.get('Model') ?? null, hash: p.get('Model hash') ?? null }, notes };
}
