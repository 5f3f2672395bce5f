/**
 * The sampling passes of one request: txt2img (from pure noise), img2img (from an init latent noised to the
 * denoising strength) and the hires fix's second pass (img2img at the upscaled size with explicit steps).
 * A pass is plain data: its sampler and plan, its latent dims, the sigmas its Brownian tree spans and, for
 * img2img, how its start latent is made. Spec: docs/img2img-hires.md §1–3.
 */
import { img2imgPlan, img2imgStart, img2imgSteps } from '../img2img/img2img.ts';
import { hiresTarget, type HiresTarget } from '../img2img/hires.ts';
import { samplingPlan, type DiscreteSchedule, type SamplerDef, type SamplerPlan, type SamplingPlan } from '../schedulers/index.ts';
import type { GenerateRequest, HiresOptions } from './types.ts';

export interface SamplingPass {
  sampler: SamplerDef;
  plan: SamplerPlan;
  /** latent dims of one image [1, C, h, w] */
  dims: number[];
  /** the SDE samplers' Brownian tree spans these sigmas (img2img: the full schedule, as A1111) */
  brownianSigmas: ArrayLike<number>;
  /** img2img: the start latent from the init latent(s) and the first noise draw; unset: txt2img */
  start?: (init: Float32Array, noise: Float32Array) => Float32Array;
  /** a denoising strength of 0: no steps, the init latent is the result (A1111's t_enc 0) */
  skip?: boolean;
}

export function txt2imgPass(sampling: SamplingPlan, dims: number[]): SamplingPass {
  return { sampler: sampling.sampler, plan: sampling.plan, dims, brownianSigmas: sampling.plan.sigmas };
}

/**
 * An img2img pass: `steps` and `strength` → A1111's schedule cut (§1), its plan (§2) and start latent. With
 * `explicitSteps` (the hires pass) the full schedule grows so that explicitSteps − 1 … steps run.
 */
export function img2imgPass(schedule: DiscreteSchedule, sampling: SamplingPlan, dims: number[], steps: number, strength: number, explicitSteps?: number): SamplingPass {
  const info = img2imgSteps(steps, strength, explicitSteps === undefined ? {} : { explicitSteps });
  if (strength === 0 || info.steps < 1) return { sampler: sampling.sampler, plan: { ...sampling.plan, steps: 0, modelCalls: 0 }, dims, brownianSigmas: [], skip: true };
  const p = img2imgPlan(sampling.sampler, schedule, info, sampling.scheduleType.id);
  return { sampler: sampling.sampler, plan: p.plan, dims, brownianSigmas: p.fullSigmas ?? p.plan.sigmas, start: (init, noise) => img2imgStart(p, init, noise) };
}

export interface HiresPlan {
  options: HiresOptions;
  target: HiresTarget;
  /** the second pass, at the upscaled (and cropped) latent size */
  pass: SamplingPass;
}

/** The hires fix's target and second pass: the hires sampler / schedule type when set, Hires steps or the request's. */
export function hiresPlan(req: GenerateRequest, hires: HiresOptions, schedule: DiscreteSchedule, dims: number[]): HiresPlan {
  const target = targetOf(req, hires);
  const [, c] = dims as [number, number];
  const { h, w } = hiresLatentSize(target);
  const steps = hires.steps || req.steps;
  const sampling = samplingPlan(schedule, hires.sampler || req.sampler, steps, hires.scheduleType || req.scheduleType || 'Automatic');
  return { options: hires, target, pass: img2imgPass(schedule, sampling, [1, c, h, w], req.steps, hires.denoisingStrength, steps) };
}

/** The second pass's latent rows and columns: the upscale target in latent cells, less A1111's crop. */
function hiresLatentSize(t: HiresTarget): { h: number; w: number } {
  return { h: Math.floor(t.upscaleToY / 8) - t.truncateY, w: Math.floor(t.upscaleToX / 8) - t.truncateX };
}

const targetOf = (req: GenerateRequest, hires: HiresOptions): HiresTarget => hiresTarget({ width: req.width, height: req.height, scale: hires.scale, resizeX: hires.resizeX ?? 0, resizeY: hires.resizeY ?? 0 });

/** The hires fix's second-pass size in pixels (the model's size fit is checked at this size). */
export function hiresSize(req: GenerateRequest, vaeScale = 8): { width: number; height: number } | null {
  if (!req.hires) return null;
  const { h, w } = hiresLatentSize(targetOf(req, req.hires));
  return { width: w * vaeScale, height: h * vaeScale };
}
