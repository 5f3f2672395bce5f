/**
 * `torch.linspace(a, b, n)` in float32, per-element rule of PyTorch >= 2.0 (what A1111 1.6+ runs):
 * element i is fma(step, i, a) for i < n/2, else fma(-step, n-1-i, b); step = fl((b-a)/(n-1)).
 * torch 1.13 wrote 16-blocks with an 8-lane vector rule that can differ by 1 ulp (samplers.md §1); the
 * resulting sigmas stay within 1e-6 relative of either.
 */
import { internalError } from '../../errors.ts';
import { fl, fmaf } from './f32.ts';

export function linspaceF32(a: number, b: number, n: number): Float32Array {
  if (!Number.isInteger(n) || n < 0) throw internalError(`linspace: bad count ${n}`);
  const out = new Float32Array(n);
  if (n === 0) return out;
  const af = fl(a);
  const bf = fl(b);
  if (n === 1) {
    out[0] = af;
    return out;
  }
  const step = fl((bf - af) / (n - 1));
  const half = Math.floor(n / 2);
  for (let i = 0; i < n; i++) out[i] = i < half ? fmaf(step, i, af) : fmaf(-step, n - 1 - i, bf);
  return out;
}

/** Same rule in float64 (CompVis builds sqrt-betas with a float64 linspace). */
export function linspaceF64(a: number, b: number, n: number): Float64Array {
  const out = new Float64Array(n);
  if (n === 1) out[0] = a;
  if (n <= 1) return out;
  const step = (b - a) / (n - 1);
  const half = Math.floor(n / 2);
  for (let i = 0; i < n; i++) out[i] = i < half ? a + step * i : b - step * (n - 1 - i);
  return out;
}
