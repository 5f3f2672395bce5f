/**
 * "LMS" = k-diffusion `sample_lms` (order 4): linear multistep over the last <= 4 derivatives with
 * Lagrange-basis coefficients integrated over [sigma_i, sigma_{i+1}]. k-diffusion integrates with scipy quad;
 * the integrand is a polynomial (degree <= 3), so we integrate it in closed form in double, keeping the
 * float32 denominators k-diffusion gets from NumPy float32 scalars (samplers.md §3).
 */
import { internalError } from '../../errors.ts';
import { kInitialLatent, kPlanner, sigmaAt } from './common.ts';
import { fl, toD } from './f32.ts';
import { kMeta } from './meta.ts';
import type { SamplerDef } from './types.ts';

/** Multiply polynomial p (ascending coefficients) by (tau - root) / den. */
function mulLinear(p: number[], root: number, den: number): number[] {
  const out = new Array<number>(p.length + 1).fill(0);
  for (let k = 0; k < p.length; k++) {
    const c = (p[k] ?? 0) / den;
    out[k + 1] = (out[k + 1] ?? 0) + c;
    out[k] = (out[k] ?? 0) - c * root;
  }
  return out;
}

function integrate(p: number[], a: number, b: number): number {
  let fa = 0;
  let fb = 0;
  for (let k = p.length - 1; k >= 0; k--) {
    const c = (p[k] ?? 0) / (k + 1);
    fa = (fa + c) * a;
    fb = (fb + c) * b;
  }
  return fb - fa;
}

/** k-diffusion `linear_multistep_coeff(order, t, i, j)` with t the float32 sigma array. */
export function lmsCoefficient(order: number, t: Float32Array, i: number, j: number): number {
  const at = (k: number): number => {
    const v = t[k];
    if (v === undefined) throw internalError(`lms: sigma index ${k} out of range`);
    return v;
  };
  if (j >= order) throw internalError('lms: order too low for step');
  let poly = [1];
  for (let k = 0; k < order; k++) {
    if (k === j) continue;
    poly = mulLinear(poly, at(i - k), fl(at(i - j) - at(i - k)));
  }
  return integrate(poly, at(i), at(i + 1));
}

export function createLms(order = 4): SamplerDef {
  const meta = kMeta({ label: 'LMS', aliases: ['k_lms', 'sample_lms'], description: 'Linear multistep (order 4) over past derivatives; deterministic.' });
  return {
    id: 'lms',
    meta,
    ...kPlanner(meta),
    initialLatent: kInitialLatent,
    createStepper(_schedule, plan) {
      const ds: Float32Array[] = [];
      return {
        plan,
        async step(x, i, { model }) {
          const [s] = sigmaAt(plan, i);
          ds.push(toD(x, s, await model.denoise(x, s)));
          if (ds.length > order) ds.shift();
          const cur = Math.min(i + 1, order);
          // sum(coeff_j * d_{newest-j}) in order j = 0.., starting from the first term (Python sum's 0 + t is exact).
          let acc: Float32Array | null = null;
          for (let j = 0; j < cur; j++) {
            const c = fl(lmsCoefficient(cur, plan.sigmas, i, j));
            const d = ds[ds.length - 1 - j];
            if (!d) throw internalError('lms: missing history');
            if (acc === null) {
              acc = new Float32Array(d.length);
              for (let k = 0; k < d.length; k++) acc[k] = (d[k] ?? 0) * c;
            } else {
              for (let k = 0; k < d.length; k++) acc[k] = (acc[k] ?? 0) + fl((d[k] ?? 0) * c);
            }
          }
          const out = new Float32Array(x.length);
          for (let k = 0; k < x.length; k++) out[k] = (x[k] ?? 0) + (acc?.[k] ?? 0);
          return out;
        },
      };
    },
  };
}

export const lms: SamplerDef = createLms();
