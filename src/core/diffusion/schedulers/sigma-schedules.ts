/**
 * The noise schedules of A1111 1.10's "Schedule type" menu (`modules/sd_schedulers.py`, k-diffusion's
 * `get_sigmas_*`), in torch's float32 arithmetic: each returns the sigmas a k-diffusion sampler walks, usually
 * steps + 1 values ending in 0 (KL Optimal ends at sigma_min instead, as A1111's does). Spec: samplers.md §5.
 */
import { betaPpf } from './beta-ppf.ts';
import { fl } from './f32.ts';
import { linspaceF32 } from './linspace.ts';
import type { SigmaTable } from './types.ts';

export type SigmaScheduleFn = (steps: number, table: SigmaTable) => Float32Array;

function withZero(values: ArrayLike<number>): Float32Array {
  const out = new Float32Array(values.length + 1);
  out.set(values);
  return out;
}

/**
 * `get_sigmas_karras` (rho 7) between sigma_min and sigma_max (A1111: the model's table; its old option used
 * 0.1 / 10). The double endpoints round to float32 when they meet the float32 ramp.
 */
export function karrasSigmas(steps: number, sigmaMin: number, sigmaMax: number, rho = 7): Float32Array {
  const ramp = linspaceF32(0, 1, steps);
  const minInv = sigmaMin ** (1 / rho);
  const maxInv = sigmaMax ** (1 / rho);
  const maxF = fl(maxInv);
  const diffF = fl(minInv - maxInv);
  const rhoF = fl(rho);
  return withZero(ramp.map((r) => fl(maxF + fl(r * diffF)) ** rhoF));
}

export const karras: SigmaScheduleFn = (n, table) => karrasSigmas(n, table.sigmaMin, table.sigmaMax);

/** `get_sigmas_exponential`: exp of a float32 linspace between log(sigma_max) and log(sigma_min). */
export const exponential: SigmaScheduleFn = (n, table) =>
  withZero(linspaceF32(Math.log(table.sigmaMax), Math.log(table.sigmaMin), n).map((v) => Math.exp(v)));

/** `get_sigmas_polyexponential` at A1111's default rho 1: exp(ramp * (ln max - ln min) + ln min). */
export const polyexponential: SigmaScheduleFn = (n, table) => {
  const lmin = Math.log(table.sigmaMin);
  const span = fl(Math.log(table.sigmaMax) - lmin);
  const ramp = linspaceF32(1, 0, n);
  return withZero(ramp.map((r) => Math.exp(fl(fl(r * span) + fl(lmin)))));
};

/** A1111 `sgm_uniform`: t linspace(sigma_to_t(max), sigma_to_t(min), n + 1) without its last value. */
export const sgmUniform: SigmaScheduleFn = (n, table) => {
  const ts = linspaceF32(table.sigmaToT(table.sigmaMax), table.sigmaToT(table.sigmaMin), n + 1);
  return withZero(Array.from(ts.subarray(0, n), (t) => table.tToSigma(t)));
};

/** A1111 `normal_scheduler`: t linspace(sigma_to_t(max), sigma_to_t(min), n). */
export const normal: SigmaScheduleFn = (n, table) => {
  const ts = linspaceF32(table.sigmaToT(table.sigmaMax), table.sigmaToT(table.sigmaMin), n);
  return withZero(Array.from(ts, (t) => table.tToSigma(t)));
};

/** A1111 `kl_optimal`: tan of a linear blend of atan(sigma_min) and atan(sigma_max); n + 1 values, no 0. */
export const klOptimal: SigmaScheduleFn = (n, table) => {
  const aMin = fl(Math.atan(fl(table.sigmaMin)));
  const aMax = fl(Math.atan(fl(table.sigmaMax)));
  const out = new Float32Array(n + 1);
  for (let i = 0; i <= n; i++) {
    const r = fl(i / n);
    out[i] = Math.tan(fl(fl(r * aMin) + fl(fl(1 - r) * aMax)));
  }
  return out;
};

/** A1111 `simple_scheduler`: every (T/n)-th training sigma from the top. */
export const simple: SigmaScheduleFn = (n, table) => {
  const len = table.sigmas.length;
  const ss = len / n;
  const out: number[] = [];
  for (let x = 0; x < n; x++) out.push(table.sigmas[len - 1 - Math.trunc(x * ss)] ?? NaN);
  return withZero(out);
};

/** A1111 `ddim_scheduler`: training sigmas 1, 1 + T//n, …, descending. */
export const ddimSigmas: SigmaScheduleFn = (n, table) => {
  const len = table.sigmas.length;
  const ss = Math.max(Math.floor(len / n), 1);
  const out: number[] = [];
  for (let x = 1; x < len; x += ss) out.push(table.sigmas[x] ?? NaN);
  return withZero(out.reverse());
};

/** numpy `linspace(0, 1, num)` in double: i * step + start, the last value exactly 1. */
function npLinspace01(num: number): number[] {
  const step = num > 1 ? 1 / (num - 1) : 0;
  return Array.from({ length: num }, (_, i) => (num > 1 && i === num - 1 ? 1 : i * step));
}

/** numpy `interp(x, xp, fp)` for increasing xp. */
function npInterp(x: number, xp: number[], fp: number[]): number {
  const last = xp.length - 1;
  if (x >= xp[last]!) return fp[last]!;
  if (x < xp[0]!) return fp[0]!;
  let j = 0;
  while (j < last - 1 && xp[j + 1]! <= x) j++;
  const slope = (fp[j + 1]! - fp[j]!) / (xp[j + 1]! - xp[j]!);
  return slope * (x - xp[j]!) + fp[j]!;
}

/** Align Your Steps' SD 1.5 sigmas (A1111 uses them for every non-SDXL model). */
export const AYS_SD15 = [14.615, 6.475, 3.861, 2.697, 1.886, 1.396, 0.963, 0.652, 0.399, 0.152, 0.029];

/** A1111 `get_align_your_steps_sigmas`: the 11 published sigmas, log-linearly resampled when n != 11. */
export const alignYourSteps: SigmaScheduleFn = (n) => {
  if (n === AYS_SD15.length) return withZero(AYS_SD15);
  const xs = npLinspace01(AYS_SD15.length);
  const ys = [...AYS_SD15].reverse().map(Math.log);
  const vals = npLinspace01(n).map((x) => Math.exp(npInterp(x, xs, ys)));
  return withZero(vals.reverse());
};

/** A1111's "Beta" defaults (options beta_dist_alpha, beta_dist_beta). */
export const BETA_DEFAULTS = { alpha: 0.6, beta: 0.6 } as const;

/** A1111 `beta_scheduler`: sigma_min + ppf(1 - linspace(0, 1, n)) * (sigma_max - sigma_min), in double. */
export function betaSchedule(alpha: number = BETA_DEFAULTS.alpha, beta: number = BETA_DEFAULTS.beta): SigmaScheduleFn {
  return (n, table) => {
    const lo = table.sigmaMin;
    const hi = table.sigmaMax;
    return withZero(npLinspace01(n).map((v) => lo + betaPpf(1 - v, alpha, beta) * (hi - lo)));
  };
}
