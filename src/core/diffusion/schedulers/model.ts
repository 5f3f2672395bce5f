/**
 * How A1111 turns the U-Net into the model the samplers call (samplers.md §2, §7): k-diffusion's
 * CompVisDenoiser (eps) or CompVisVDenoiser (v-prediction) scalings, fractional t = sigma_to_t(sigma), CFG in
 * denoised space; for the timestep samplers the eps at training timesteps (v converted as A1111's
 * CompVisTimestepsVDenoiser does), CFG on eps; for LCM its consistency denoiser. Pure math; the engine supplies
 * the U-Net call.
 */
import { internalError } from '../../errors.ts';
import type { PredictionType } from './config.ts';
import type { DiscreteSchedule } from './discrete.ts';
import { assertSameLength, fl, scale } from './f32.ts';
import { lcmTable } from './lcm.ts';
import type { SamplerModel } from './types.ts';

export { scale } from './f32.ts';

/** One U-Net evaluation of the input at timestep t: the output (eps, or v) for the cond batch and (with CFG) the uncond batch. */
export type UnetEps = (xIn: Float32Array, t: number) => Promise<{ cond: Float32Array; uncond?: Float32Array }>;

export type { PredictionType } from './config.ts';

/** k-diffusion `get_scalings` in float32: c_in = 1 / sqrt(sigma^2 + 1), c_out = -sigma. */
export function compVisScalings(sigma: number): { cIn: number; cOut: number } {
  const s = fl(sigma);
  return { cIn: fl(1 / fl(Math.sqrt(fl(fl(s * s) + 1)))), cOut: -s };
}

/** k-diffusion DiscreteVDDPMDenoiser scalings (sigma_data 1): c_skip, c_out, c_in. */
export function vScalings(sigma: number): { cSkip: number; cOut: number; cIn: number } {
  const s = fl(sigma);
  const s2p1 = fl(fl(s * s) + 1);
  const root = fl(Math.sqrt(s2p1));
  return { cSkip: fl(1 / s2p1), cOut: fl(-s / root), cIn: fl(1 / root) };
}

/** denoised = x + eps * c_out. */
export function epsToDenoised(x: Float32Array, eps: Float32Array, cOut: number): Float32Array {
  assertSameLength(x, eps, 'epsToDenoised');
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = (x[i] ?? 0) + fl((eps[i] ?? 0) * cOut);
  return out;
}

/** CompVisVDenoiser: denoised = v * c_out + x * c_skip. */
export function vToDenoised(x: Float32Array, v: Float32Array, sigma: number): Float32Array {
  assertSameLength(x, v, 'vToDenoised');
  const { cSkip, cOut } = vScalings(sigma);
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = fl((v[i] ?? 0) * cOut) + fl((x[i] ?? 0) * cSkip);
  return out;
}

/**
 * CompVisTimestepsVDenoiser: eps = sqrt(ac[t]) * v + sqrt(1 - ac[t]) * x at the integer part of t, with the
 * float32 buffers CompVis derives from the float64 alphas_cumprod.
 */
export function vToEps(schedule: DiscreteSchedule, x: Float32Array, v: Float32Array, t: number): Float32Array {
  assertSameLength(x, v, 'vToEps');
  const ac = schedule.alphasCumprod64[Math.trunc(t)];
  if (ac === undefined) throw internalError(`timestep ${t} outside the schedule`);
  const a = fl(Math.sqrt(ac));
  const b = fl(Math.sqrt(1 - ac));
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = fl(a * (v[i] ?? 0)) + fl(b * (x[i] ?? 0));
  return out;
}

/** A1111 `combine_denoised`: uncond + (cond - uncond) * (weight * scale). */
export function cfgCombine(cond: Float32Array, uncond: Float32Array, cfgScale: number, weight = 1): Float32Array {
  assertSameLength(cond, uncond, 'cfgCombine');
  const s = fl(weight * cfgScale);
  const out = new Float32Array(cond.length);
  for (let i = 0; i < cond.length; i++) {
    const u = uncond[i] ?? 0;
    out[i] = u + fl(fl((cond[i] ?? 0) - u) * s);
  }
  return out;
}

/** LCMCompVisDenoiser.get_scaled_out with sigma_data 0.5 and the scaled timestep t * 10. */
export function lcmScaledOut(denoised: Float32Array, x: Float32Array, t: number): Float32Array {
  const st = fl(t * 10);
  const st2 = fl(fl(st * st) + 0.25);
  const cSkip = fl(0.25 / st2);
  const cOut = fl(st / fl(Math.sqrt(st2)));
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = fl(cOut * (denoised[i] ?? 0)) + fl(cSkip * (x[i] ?? 0));
  return out;
}

/**
 * Build the sampler model from a U-Net function. `cfgScale` undefined = no CFG (the U-Net's cond output only).
 * The prediction type defaults to the schedule's (scheduler_config.json). The k-diffusion path feeds the U-Net
 * x * c_in at the fractional timestep sigma_to_t(sigma) (A1111 passes it as a float).
 */
export function compVisModel(schedule: DiscreteSchedule, unet: UnetEps, cfgScale?: number, prediction: PredictionType = schedule.config.predictionType): SamplerModel {
  const guide = async (
    xIn: Float32Array,
    t: number,
    each: (out: Float32Array) => Float32Array,
  ): Promise<Float32Array> => {
    const out = await unet(xIn, t);
    const cond = each(out.cond);
    if (cfgScale === undefined) return cond;
    if (!out.uncond) throw internalError('CFG needs the uncond output');
    return cfgCombine(cond, each(out.uncond), cfgScale);
  };
  return {
    async denoise(x, sigma) {
      const v = prediction === 'v_prediction';
      const cIn = v ? vScalings(sigma).cIn : compVisScalings(sigma).cIn;
      const cOut = compVisScalings(sigma).cOut;
      return guide(scale(x, cIn), schedule.sigmaToT(sigma), (o) => (v ? vToDenoised(x, o, sigma) : epsToDenoised(x, o, cOut)));
    },
    async eps(x, t) {
      return guide(x, t, (o) => (prediction === 'v_prediction' ? vToEps(schedule, x, o, t) : o));
    },
    // A1111's LCM denoiser reads the U-Net output as eps whatever the model's prediction type
    async lcmDenoise(x, sigma) {
      const table = lcmTable(schedule);
      const { cIn, cOut } = compVisScalings(sigma);
      const t = table.sigmaToT(sigma);
      return guide(scale(x, cIn), t, (o) => lcmScaledOut(epsToDenoised(x, o, cOut), x, t));
    },
  };
}
