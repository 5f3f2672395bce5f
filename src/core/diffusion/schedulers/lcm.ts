/**
 * "LCM" as A1111 runs it (`sd_samplers_lcm.py`): `sample_lcm` over `LCMCompVisDenoiser`, a consistency-model
 * denoiser on a 50-entry schedule (LCM's original timesteps 19, 39, …, 999). Each step jumps to the denoised
 * latent, then re-noises to sigma_{i+1} with the image generator's next draw. Spec: samplers.md §6.
 */
import { internalError } from '../../errors.ts';
import { drawNoise, kInitialLatent, kPlanner, sigmaAt } from './common.ts';
import type { DiscreteSchedule } from './discrete.ts';
import { fl } from './f32.ts';
import { linspaceF32 } from './linspace.ts';
import { kMeta } from './meta.ts';
import type { SamplerDef, SigmaTable } from './types.ts';

export const LCM_ORIGINAL_STEPS = 50;

/** LCMCompVisDenoiser's schedule: alphas_cumprod at 19 + 20k, quantized t <-> sigma maps. */
export class LcmTable implements SigmaTable {
  readonly sigmas: Float32Array;
  readonly logSigmas: Float32Array;
  readonly skip: number;

  constructor(schedule: DiscreteSchedule) {
    const total = schedule.alphasCumprod.length;
    this.skip = Math.floor(total / LCM_ORIGINAL_STEPS);
    this.sigmas = new Float32Array(LCM_ORIGINAL_STEPS);
    this.logSigmas = new Float32Array(LCM_ORIGINAL_STEPS);
    for (let x = 0; x < LCM_ORIGINAL_STEPS; x++) {
      const a = schedule.alphasCumprod[total - 1 - x * this.skip] ?? NaN;
      const k = LCM_ORIGINAL_STEPS - 1 - x;
      this.sigmas[k] = Math.sqrt(fl(fl(1 - a) / a));
      this.logSigmas[k] = Math.log(this.sigmas[k] ?? NaN);
    }
  }

  get sigmaMin(): number {
    return this.sigmas[0] ?? NaN;
  }

  get sigmaMax(): number {
    return this.sigmas[this.sigmas.length - 1] ?? NaN;
  }

  /** The nearest entry's training timestep: argmin |ln sigma - ln sigma_k| * 20 + 19 (an integer). */
  sigmaToT(sigma: number): number {
    const ls = fl(Math.log(fl(sigma)));
    let best = 0;
    let bestDist = Infinity;
    this.logSigmas.forEach((l, i) => {
      const d = Math.abs(fl(ls - l));
      if (d < bestDist) [best, bestDist] = [i, d];
    });
    return best * this.skip + (this.skip - 1);
  }

  /** Back to the 50-entry index (clamped), then k-diffusion's log-sigma interpolation. */
  tToSigma(t: number): number {
    const idx = Math.min(Math.max(fl(fl(fl(t) - (this.skip - 1)) / this.skip), 0), this.sigmas.length - 1);
    const lo = Math.floor(idx);
    const hi = Math.ceil(idx);
    const w = fl(idx - lo);
    return fl(Math.exp(fl(fl(fl(1 - w) * (this.logSigmas[lo] ?? NaN)) + fl(w * (this.logSigmas[hi] ?? NaN)))));
  }

  /** LCM's own get_sigmas(n): t = linspace(sigma_to_t(max), sigma_to_t(min), n). */
  uniformSigmas(steps: number): Float32Array {
    const ts = linspaceF32(this.sigmaToT(this.sigmaMax), this.sigmaToT(this.sigmaMin), steps);
    const out = new Float32Array(steps + 1);
    ts.forEach((t, i) => (out[i] = this.tToSigma(t)));
    return out;
  }
}

const tables = new WeakMap<DiscreteSchedule, LcmTable>();

export function lcmTable(schedule: DiscreteSchedule): LcmTable {
  let t = tables.get(schedule);
  if (!t) tables.set(schedule, (t = new LcmTable(schedule)));
  return t;
}

const meta = kMeta({
  label: 'LCM',
  aliases: ['k_lcm', 'lcm'],
  family: 'lcm',
  ancestral: true,
  description: 'Latent consistency sampling (for LCM-distilled models): denoise, then re-noise from the seed generator.',
});

export const lcm: SamplerDef = {
  id: 'lcm',
  meta,
  ...kPlanner(meta, lcmTable),
  initialLatent: kInitialLatent,
  createStepper(_schedule, plan) {
    return {
      plan,
      async step(x, i, { model, noise }) {
        const [s, next] = sigmaAt(plan, i);
        if (!model.lcmDenoise) throw internalError('LCM needs the LCM denoiser (compVisModel provides it)');
        const out = Float32Array.from(await model.lcmDenoise(x, s));
        if (next > 0) {
          const n = drawNoise(noise, out.length);
          for (let k = 0; k < out.length; k++) out[k] = (out[k] ?? 0) + fl(next * (n[k] ?? 0));
        }
        return out;
      },
    };
  },
};
