/**
 * CompVis discrete noise schedule as k-diffusion wraps it (`DiscreteSchedule`): the 1000 training sigmas,
 * the continuous t <-> sigma maps with log-sigma interpolation, and the Uniform ("Automatic") and Karras
 * sampling schedules. Every tensor op is float32 with one rounding, as in torch; spec: samplers.md §1.
 */
import { internalError } from '../../errors.ts';
import type { NoiseScheduleConfig } from './config.ts';
import { SD1_SCHEDULE } from './config.ts';
import { fl } from './f32.ts';
import { linspaceF32, linspaceF64 } from './linspace.ts';
import { karrasSigmas } from './sigma-schedules.ts';
import type { SigmaTable } from './types.ts';

export class DiscreteSchedule implements SigmaTable {
  /** alphas_cumprod, computed in float64 and stored as float32 (CompVis `register_schedule`). */
  readonly alphasCumprod: Float32Array;
  /** The same in float64 (CompVis derives sqrt_alphas_cumprod & co. from these before storing float32). */
  readonly alphasCumprod64: Float64Array;
  /** sqrt((1 - ac) / ac), ascending; sigmas[t] is the noise level of training timestep t. */
  readonly sigmas: Float32Array;
  readonly logSigmas: Float32Array;

  constructor(readonly config: NoiseScheduleConfig = SD1_SCHEDULE) {
    const n = config.numTrainTimesteps;
    const betas =
      config.betaSchedule === 'scaled_linear'
        ? linspaceF64(Math.sqrt(config.betaStart), Math.sqrt(config.betaEnd), n).map((b) => b * b)
        : linspaceF64(config.betaStart, config.betaEnd, n);
    this.alphasCumprod = new Float32Array(n);
    this.alphasCumprod64 = new Float64Array(n);
    this.sigmas = new Float32Array(n);
    this.logSigmas = new Float32Array(n);
    let ac = 1;
    for (let i = 0; i < n; i++) {
      ac *= 1 - (betas[i] ?? 0);
      this.alphasCumprod64[i] = ac;
      const a = fl(ac);
      this.alphasCumprod[i] = a;
      const s = fl(Math.sqrt(fl(fl(1 - a) / a)));
      this.sigmas[i] = s;
      this.logSigmas[i] = Math.log(s);
    }
  }

  get sigmaMin(): number {
    return this.sigmas[0] ?? 0;
  }

  get sigmaMax(): number {
    return this.sigmas[this.sigmas.length - 1] ?? 0;
  }

  private logSigma(i: number): number {
    const v = this.logSigmas[i];
    if (v === undefined) throw internalError(`timestep index ${i} out of range`);
    return v;
  }

  /** k-diffusion `t_to_sigma`: interpolate log-sigma between floor(t) and ceil(t). */
  tToSigma(t: number): number {
    const tf = fl(t);
    const lo = Math.floor(tf);
    const hi = Math.ceil(tf);
    const w = fl(tf - lo);
    return fl(Math.exp(fl(fl(fl(1 - w) * this.logSigma(lo)) + fl(w * this.logSigma(hi)))));
  }

  /**
   * k-diffusion `sigma_to_t` (A1111: quantize off): a fractional timestep. lo = the last index whose
   * log-sigma is <= log(sigma) (0 if none), clamped so that hi = lo + 1 exists.
   */
  sigmaToT(sigma: number, quantize = false): number {
    const ls = fl(Math.log(fl(sigma)));
    const n = this.logSigmas.length;
    if (quantize) {
      let best = 0;
      let bestDist = Infinity;
      for (let i = 0; i < n; i++) {
        const dist = Math.abs(fl(ls - this.logSigma(i)));
        if (dist < bestDist) {
          bestDist = dist;
          best = i;
        }
      }
      return best;
    }
    let lo = 0;
    for (let i = 0; i < n; i++) if (this.logSigma(i) <= ls) lo = i;
    lo = Math.min(lo, n - 2);
    const hi = lo + 1;
    const low = this.logSigma(lo);
    const high = this.logSigma(hi);
    let w = fl(fl(low - ls) / fl(low - high));
    w = Math.min(1, Math.max(0, w));
    return fl(fl(fl(1 - w) * lo) + fl(w * hi));
  }

  /** Uniform schedule (`get_sigmas(n)`): t = linspace(T-1, 0, n), sigma(t), then a final 0. */
  uniformSigmas(steps: number): Float32Array {
    const t = linspaceF32(this.sigmas.length - 1, 0, steps);
    const out = new Float32Array(steps + 1);
    for (let i = 0; i < steps; i++) out[i] = this.tToSigma(t[i] ?? 0);
    return out;
  }

  /** Karras et al. schedule (`get_sigmas_karras`, rho 7) between the table's sigma_min and sigma_max. */
  karrasSigmas(steps: number, rho = 7, sigmaMin = this.sigmaMin, sigmaMax = this.sigmaMax): Float32Array {
    return karrasSigmas(steps, sigmaMin, sigmaMax, rho);
  }
}
