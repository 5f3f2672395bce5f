/**
 * PNG Info: the form's parameters from A1111's `parameters` text (A1111's own keys: Steps, Sampler, Schedule
 * type, CFG scale, Seed, Size, Model hash, Model), the `<hypernet:name:mult>` tags of its prompt (and the old
 * `Hypernet: NAME, Hypernet strength: X` fields, appended as a tag as A1111 does), issue 14's fields read into
 * `fields`, and every field the form cannot apply listed in `unapplied`. Pure.
 */
import { parseInfotext, type Infotext } from '../core/diffusion/infotext.ts';
import { readA1111Fields, type A1111Fields } from '../core/diffusion/infotext-fields.ts';
import { samplerFromInfotext } from '../core/diffusion/infotext-sampler.ts';
import type { GenerationMode, GenerationParams } from './generation-types.ts';
import { applyA1111Fields } from './png-info-fields.ts';
import { parseHypernetTags } from '../core/diffusion/prompt/hypernet-tags.ts';

export interface InfotextParams {
  patch: Partial<GenerationParams>;
  /** fields restored, in the form's words */
  restored: string[];
  hypernets: { name: string; multiplier: number }[];
  model: { name: string | null; hash: string | null };
  notes: string[];
  /** Schedule type, clip skip, ENSD, variation seeds, hires fix, … as read (infotext-fields.ts) */
  fields: A1111Fields;
  /** fields the text has that the form does not apply, with their values (at most 64, values cut at 60) */
  unapplied: { key: string; value: string }[];
}

/**
 * A1111 1.9+ writes "Sampler: DPM++ 2M, Schedule type: Karras"; older versions "Sampler: DPM++ 2M Karras".
 * Returns the app's sampler label for either (the schedule type is `samplerFromInfotext`'s), or null.
 */
export function samplerLabel(sampler: string, schedule: string | undefined, labels: readonly string[]): string | null {
  const label = samplerFromInfotext(sampler, schedule)?.sampler;
  return label !== undefined && labels.includes(label) ? label : null;
}

/** Keys applied to the form, or reported elsewhere (model, the version that wrote it, Hypernet as a tag). */
const CONSUMED = new Set(['Steps', 'Sampler', 'CFG scale', 'Seed', 'Size', 'Model', 'Model hash', 'Version', 'Hypernet', 'Hypernet strength', 'Schedule type']);
const MAX_UNAPPLIED = 64;

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
export function paramsFromInfotext(text: string | Infotext, samplerLabels: readonly string[], current: Pick<GenerationParams, 'ensd'> = { ensd: 0 }, target: GenerationMode = 'txt2img'): InfotextParams {
  const info = typeof text === 'string' ? parseInfotext(text) : text;
  const p = info.params;
  const read = readA1111Fields(p, info.prompt);
  const patch: Partial<GenerationParams> = { prompt: read.prompt, negativePrompt: info.negativePrompt };
  const restored = ['Prompt', 'Negative prompt'];
  const notes: string[] = [];
  const unapplied: { key: string; value: string }[] = [];
  for (const { key, value } of read.invalid) notes.push(`${key} "${value}" is not a value A1111 writes; it is ignored.`);
  const steps = positiveInt(p.get('Steps'));
  if (steps !== null && inRange('Steps', steps, notes)) {
    patch.steps = steps;
    restored.push('Steps');
  }
  const sampler = p.get('Sampler');
  if (sampler !== undefined) {
    const label = samplerLabel(sampler, p.get('Schedule type'), samplerLabels);
    const choice = samplerFromInfotext(sampler, p.get('Schedule type'));
    if (label && choice) {
      patch.sampler = label;
      patch.scheduleType = choice.scheduleType;
      restored.push('Sampler', 'Schedule type');
      if (choice.note) notes.push(choice.note);
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
  // without a parameters line nothing but the prompt is known: the form keeps its other values
  if (p.size > 0) {
    const fields = applyA1111Fields(read.fields, current, target);
    Object.assign(patch, fields.patch);
    restored.push(...fields.restored);
    notes.push(...fields.notes);
  }
  for (const [key, value] of p) {
    if (unapplied.length >= MAX_UNAPPLIED) break;
    if (!CONSUMED.has(key) && !restored.includes(key)) unapplied.push({ key: key.slice(0, 60), value: value.length > 60 ? `${value.slice(0, 60)}…` : value });
  }
  const { tags, error } = parseHypernetTags(read.prompt);
  if (error) notes.push(`The prompt's hypernetwork tags do not parse (${error}); A1111 would apply none of them.`);
  if (p.size === 0) notes.push('No "Steps, Sampler, …" line was found: only the prompt was restored.');
  return { patch, restored, hypernets: tags, model: { name: p.get('Model') ?? null, hash: p.get('Model hash') ?? null }, notes, fields: read.fields, unapplied };
}
