/**
 * How A1111 turns an eps-predicting U-Net into the model the samplers call (samplers.md §2):
 * k-diffusion's CompVisDenoiser scalings (c_in, c_out, fractional t = sigma_to_t(sigma)) and CFG in denoised
 * space; for DDIM, CFG on eps at integer timesteps. Pure math; the engine supplies the U-Net call.
 */
import { internalError } from '../../errors.ts';
import type { DiscreteSchedule } from './discrete.ts';
import { assertSameLength, fl } from './f32.ts';
import type { SamplerModel } from './types.ts';

/** One U-Net evaluation of the input at timestep t: eps for the cond batch and (with CFG) the uncond batch. */
export type UnetEps = (xIn: Float32Array, t: number) => Promise<{ cond: Float32Array; uncond?: Float32Array }>;

/** k-diffusion `get_scalings` in float32: c_in = 1 / sqrt(sigma^2 + 1), c_out = -sigma. */
export function compVisScalings(sigma: number): { cIn: number; cOut: number } {
  const s = fl(sigma);
  return { cIn: fl(1 / fl(Math.sqrt(fl(fl(s * s) + 1)))), cOut: -s };
}

export function scale(x: Float32Array, s: number): Float32Array {
  const out = new Float32Array(x.length);
  const sf = fl(s);
  for (let i = 0; i < x.length; i++) out[i] = (x[i] ?? 0) * sf;
  return out;
}

/** denoised = x + eps * c_out. */
export function epsToDenoised(x: Float32Array, eps: Float32Array, cOut: number): Float32Array {
  assertSameLength(x, eps, 'epsToDenoised');
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = (x[i] ?? 0) + fl((eps[i] ?? 0) * cOut);
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

/**
 * Build the sampler model from a U-Net eps function. `cfgScale` undefined = no CFG (the U-Net's cond output
 * only). The U-Net sees x * c_in and the fractional timestep sigma_to_t(sigma) (A1111 passes it as a float).
 */
export function compVisModel(schedule: DiscreteSchedule, unet: UnetEps, cfgScale?: number): SamplerModel {
  const pick = (out: { cond: Float32Array; uncond?: Float32Array }, combine: (c: Float32Array, u: Float32Array) => Float32Array) => {
    if (cfgScale === undefined) return out.cond;
    if (!out.uncond) throw internalError('CFG needs the uncond output');
    return combine(out.cond, out.uncond);
  };
  return {
    async denoise(x, sigma) {
      const { cIn, cOut } = compVisScalings(sigma);
      const out = await unet(scale(x, cIn), schedule.sigmaToT(sigma));
      const cond = epsToDenoised(x, out.cond, cOut);
      if (cfgScale === undefined) return cond;
      if (!out.uncond) throw internalError('CFG needs the uncond output');
      return cfgCombine(cond, epsToDenoised(x, out.uncond, cOut), cfgScale);
    },
    async eps(x, t) {
      const out = await unet(x, t);
      return pick(out, (c, u) => cfgCombine(c, u, cfgScale ?? 1));
    },
  };
}
