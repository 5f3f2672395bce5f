/**
 * The issue 14 fields PNG Info applies to the form, as A1111's "Send to txt2img" does: Clip skip, ENSD,
 * Variation seed and strength, Seed resize from, and the hires fix or img2img's Denoising strength. A field the text lacks gets the value that made the image
 * (clip skip 1, no variation, no resize, ENSD 0), so the same image comes out; a value outside what the form
 * takes is kept out with a note. Pure.
 */
import type { A1111Fields } from '../core/diffusion/infotext-fields.ts';
import { HIRES_UPSCALERS, SAME_SAMPLER, SAME_SCHEDULER, SAMPLER_LABELS, SCHEDULE_TYPE_LABELS, type GenerationMode, type GenerationParams } from './generation-types.ts';

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
export function applyA1111Fields(fields: A1111Fields, current: Pick<GenerationParams, 'ensd'>, target: GenerationMode = 'txt2img'): AppliedFields {
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
  const pass = applyPassFields(fields, target);
  Object.assign(patch, pass.patch);
  restored.push(...pass.restored);
  notes.push(...pass.notes);
  return { patch, restored, notes };
}

/** Said of an img2img PNG: the image it started from is not in it (PNG Info's "Send to img2img" says otherwise). */
export const IMG2IMG_SOURCE_NOTE = 'It was made with img2img (it has a Denoising strength and no hires fix): its input image is not in the PNG. Drop, paste or send one into img2img to make it again.';

/** The keys that only a hires fix writes (Denoising strength alone means img2img). */
const hasHires = (f: A1111Fields) =>
  [f.hiresUpscale, f.hiresResize, f.hiresSteps, f.hiresUpscaler, f.hiresSampler, f.hiresScheduleType].some((v) => v !== undefined);

/**
 * A text with hires fields was a txt2img run with the hires fix: it is switched on with them. `Denoising
 * strength` alone was an img2img run: A1111 cannot know its input image, nor can the PNG carry it, so the
 * strength is applied and the note says so. Neither: a plain txt2img run (hires off). Sent to img2img (A1111's
 * "Send to img2img"), any text's `Denoising strength` is img2img's and the hires fields are left to txt2img.
 */
function applyPassFields(fields: A1111Fields, target: GenerationMode): AppliedFields {
  const patch: Partial<GenerationParams> = {};
  const restored: string[] = [];
  const notes: string[] = [];
  const strength = fields.denoisingStrength;
  const strengthOk = strength !== undefined && within('Denoising strength', strength, 0, 1, notes);
  if (target === 'img2img' && hasHires(fields)) {
    patch.mode = 'img2img';
    if (strengthOk) {
      patch.denoisingStrength = strength;
      restored.push('Denoising strength');
    }
    return { patch, restored, notes };
  }
  if (!hasHires(fields)) {
    if (strength === undefined) return { patch: { mode: 'txt2img', hiresEnabled: false }, restored, notes };
    patch.mode = 'img2img';
    if (strengthOk) {
      patch.denoisingStrength = strength;
      restored.push('Denoising strength');
    }
    notes.push(IMG2IMG_SOURCE_NOTE);
    return { patch, restored, notes };
  }
  Object.assign(patch, { mode: 'txt2img', hiresEnabled: true, hiresScale: 2, hiresResizeX: 0, hiresResizeY: 0, hiresSteps: 0 } satisfies Partial<GenerationParams>);
  if (strengthOk) {
    patch.hiresDenoisingStrength = strength;
    restored.push('Denoising strength');
  }
  if (fields.hiresUpscale !== undefined && within('Hires upscale', fields.hiresUpscale, 1, 8, notes)) {
    patch.hiresScale = fields.hiresUpscale;
    restored.push('Hires upscale');
  }
  if (fields.hiresResize && within('Hires resize', Math.max(fields.hiresResize.width, fields.hiresResize.height), 0, 2048, notes)) {
    patch.hiresResizeX = fields.hiresResize.width;
    patch.hiresResizeY = fields.hiresResize.height;
    restored.push('Hires resize');
  }
  if (fields.hiresSteps !== undefined && within('Hires steps', fields.hiresSteps, 0, 150, notes)) {
    patch.hiresSteps = fields.hiresSteps;
    restored.push('Hires steps');
  }
  const choose = (key: string, value: string | undefined, labels: readonly string[], same: string): string | undefined => {
    if (value === undefined) return same;
    if (labels.includes(value)) {
      restored.push(key);
      return value;
    }
    notes.push(`${key} "${value.slice(0, 60)}" is not available here; the current one is kept, so the image will differ.`);
    return undefined;
  };
  const upscaler = fields.hiresUpscaler === undefined ? undefined : choose('Hires upscaler', fields.hiresUpscaler, HIRES_UPSCALERS, '');
  if (upscaler) patch.hiresUpscaler = upscaler;
  const sampler = choose('Hires sampler', fields.hiresSampler, SAMPLER_LABELS, SAME_SAMPLER);
  if (sampler) patch.hiresSampler = sampler;
  const schedule = choose('Hires schedule type', fields.hiresScheduleType, SCHEDULE_TYPE_LABELS, SAME_SCHEDULER);
  if (schedule) patch.hiresScheduleType = schedule;
  return { patch, restored, notes };
}
