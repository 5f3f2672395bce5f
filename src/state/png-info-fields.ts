/**
 * The issue 14 fields PNG Info applies to the form, as A1111's "Send to txt2img" does: Clip skip, ENSD,
 * Variation seed and strength, Seed resize from. A field the text lacks gets the value that made the image
 * (clip skip 1, no variation, no resize, ENSD 0), so the same image comes out; a value outside what the form
 * takes is kept out with a note. Pure.
 */
import type { A1111Fields } from '../core/diffusion/infotext-fields.ts';
import type { GenerationParams } from './generation-types.ts';

/** A1111's clip skip slider goes to 12; the loaded model may allow fewer (the engine says so). */
export const MAX_CLIP_SKIP = 12;
const MAX_SEED = 0xffffffff;

export interface AppliedFields {
  patch: Partial<GenerationParams>;
  /** infotext keys applied (they are not listed as unapplied) */
  restored: string[];
  notes: string[];
}

function within(key: string, v: number, min: number, max: number, notes: string[]): boolean {
  if (v >= min && v <= max) return true;
  notes.push(`${key} ${String(v).slice(0, 24)} is outside ${min}–${max}; the current value is kept.`);
  return false;
}

/** `fields` as read by `readA1111Fields`; `current` the form now (ENSD is only reset when it was set). */
export function applyA1111Fields(fields: A1111Fields, current: Pick<GenerationParams, 'ensd'>): AppliedFields {
  const patch: Partial<GenerationParams> = {};
  const restored: string[] = [];
  const notes: string[] = [];
  const clipSkip = fields.clipSkip ?? 1;
  if (within('Clip skip', clipSkip, 1, MAX_CLIP_SKIP, notes)) {
    patch.clipSkip = clipSkip;
    restored.push('Clip skip');
  }
  if (fields.ensd !== undefined) {
    if (within('ENSD', fields.ensd, 0, MAX_SEED, notes)) {
      patch.ensd = fields.ensd;
      restored.push('ENSD');
    }
  } else if (current.ensd !== 0) {
    patch.ensd = 0;
    notes.push(`ENSD was ${current.ensd}; the image was made without it, so it is set to 0.`);
  }
  const strength = fields.variationSeedStrength ?? 0;
  if (within('Variation seed strength', strength, 0, 1, notes)) {
    patch.variationStrength = strength;
    if (fields.variationSeedStrength !== undefined) restored.push('Variation seed strength');
  }
  if (fields.variationSeed !== undefined && within('Variation seed', fields.variationSeed, 0, MAX_SEED, notes)) {
    patch.variationSeed = fields.variationSeed;
    restored.push('Variation seed');
  }
  const from = fields.seedResizeFrom ?? { width: 0, height: 0 };
  if (within('Seed resize from', Math.max(from.width, from.height), 0, 2048, notes)) {
    patch.seedResizeWidth = from.width;
    patch.seedResizeHeight = from.height;
    if (fields.seedResizeFrom) restored.push('Seed resize from');
  }
  return { patch, restored, notes };
}
