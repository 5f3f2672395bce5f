/**
 * The infotext of one generated image from the request that made it, with the fields A1111 1.10 writes for
 * those settings (`processing.create_infotext`): Schedule type always; Clip skip above 1; ENSD when non-zero
 * and the sampler uses it (plan.ts `infotextEnsd`); Variation seed and strength when the strength is not 0;
 * Seed resize from when both sides are set; Denoising strength for img2img and the hires fix; the hires fix's
 * Hires sampler / schedule type (when set and not the first pass's), Hires upscale or Hires resize, Hires steps
 * (when not 0) and Hires upscaler. Size stays the first pass's, as A1111 writes it.
 */
import { generationInfotext } from './infotext.ts';
import type { A1111Fields } from './infotext-fields.ts';
import { resolveSamplerName } from './schedulers/names.ts';
import { infotextEnsd } from './schedulers/plan.ts';
import { SAMPLERS } from './schedulers/registry.ts';
import type { HiresOptions } from './pipeline/types.ts';

export interface RecipeRequest {
  prompt: string;
  negativePrompt: string;
  steps: number;
  sampler: string;
  cfgScale: number;
  width: number;
  height: number;
  scheduleType?: string;
  clipSkip?: number;
  ensd?: number;
  /** the request's variation seed (each image's own is passed apart: seed + i) */
  variationSeed?: number;
  variationStrength?: number;
  seedResizeFrom?: { width: number; height: number };
  /** img2img: only its strength is part of the text */
  init?: { denoisingStrength: number };
  hires?: RecipeHires;
}

/** The hires fix as the infotext records it: GenerateRequest's own options. */
export type RecipeHires = HiresOptions;

function hiresFields(fields: A1111Fields, req: RecipeRequest, hires: RecipeHires): void {
  if (hires.sampler && hires.sampler !== req.sampler) fields.hiresSampler = hires.sampler;
  if (hires.scheduleType && hires.scheduleType !== (req.scheduleType ?? 'Automatic')) fields.hiresScheduleType = hires.scheduleType;
  if (hires.resizeX || hires.resizeY) fields.hiresResize = { width: hires.resizeX ?? 0, height: hires.resizeY ?? 0 };
  else fields.hiresUpscale = hires.scale;
  if (hires.steps) fields.hiresSteps = hires.steps;
  fields.hiresUpscaler = hires.upscaler;
}

/** The A1111 fields beyond the head that this request writes (the image's own variation seed given). */
export function requestFields(req: RecipeRequest, subseed?: number): A1111Fields {
  const fields: A1111Fields = { scheduleType: req.scheduleType ?? 'Automatic' };
  if (req.variationStrength) {
    fields.variationSeed = subseed ?? 0;
    fields.variationSeedStrength = req.variationStrength;
  }
  const from = req.seedResizeFrom;
  if (from && from.width > 0 && from.height > 0) fields.seedResizeFrom = { width: from.width, height: from.height };
  const denoising = req.init?.denoisingStrength ?? req.hires?.denoisingStrength;
  if (denoising !== undefined) fields.denoisingStrength = denoising;
  if ((req.clipSkip ?? 1) > 1) fields.clipSkip = req.clipSkip!;
  const sampler = resolveSamplerName(SAMPLERS, req.sampler)?.sampler;
  const ensd = sampler ? infotextEnsd(sampler, req.ensd ?? 0) : undefined;
  if (ensd !== undefined) fields.ensd = ensd;
  if (req.hires) hiresFields(fields, req, req.hires);
  return fields;
}

/** `generationInfotext` with the request's A1111 fields, for the image with this seed (and variation seed). */
export function requestInfotext(req: RecipeRequest, image: { seed: number; subseed?: number }, model: { name: string; hash?: string | null }): string {
  return generationInfotext(req, image.seed, model, requestFields(req, image.subseed));
}
