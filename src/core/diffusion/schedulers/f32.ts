/**
 * float32 scalar/elementwise helpers that round after every operation, as torch's float32 CPU kernels do
 * (one rounding per op, no fusion across ops). Samplers are written with these so that a JS port lands on
 * the same float32 numbers as the PyTorch reference, not merely close to them.
 */
import { internalError } from '../../errors.ts';
export const fl = Math.fround;

/** float32 `fma` only where torch itself fuses (linspace, per samplers.md §1): see noise/f32math. */
export { fmaf } from '../noise/f32math.ts';

export function assertSameLength(a: Float32Array, b: Float32Array, what: string): void {
  if (a.length !== b.length) throw internalError(`${what}: length ${a.length} vs ${b.length}`);
}

/** fl(a + fl(b * s)) per element (torch `a + b * s` with a 0-dim float32 `s`). */
export function addScaled(a: Float32Array, b: Float32Array, s: number): Float32Array {
  assertSameLength(a, b, 'addScaled');
  const out = new Float32Array(a.length);
  const sf = fl(s);
  for (let i = 0; i < a.length; i++) out[i] = (a[i] ?? 0) + fl((b[i] ?? 0) * sf);
  return out;
}

/** k-diffusion `to_d`: fl(fl(x - den) / sigma). */
export function toD(x: Float32Array, sigma: number, den: Float32Array): Float32Array {
  assertSameLength(x, den, 'toD');
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = fl((x[i] ?? 0) - (den[i] ?? 0)) / sigma;
  return out;
}

/** fl(fl(a * s) - fl(b * t)). */
export function linComb2(s: number, a: Float32Array, t: number, b: Float32Array): Float32Array {
  assertSameLength(a, b, 'linComb2');
  const out = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = fl((a[i] ?? 0) * s) - fl((b[i] ?? 0) * t);
  return out;
}

/** x * s per element (torch `x * s` with a 0-dim float32 `s`). */
export function scale(x: Float32Array, s: number): Float32Array {
  const out = new Float32Array(x.length);
  const sf = fl(s);
  for (let i = 0; i < x.length; i++) out[i] = (x[i] ?? 0) * sf;
  return out;
}
