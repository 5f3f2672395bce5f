/**
 * The fixed fake U-Net of docs/samplers.md §4 (eps or v = 0.1*x_in + (0.01*t)/1000 + c; c = 0.05 cond, 0
 * uncond) and error measures, shared by the sampler tests that compare with the PyTorch references.
 */
import { expect } from 'vitest';
import type { UnetEps } from '../../src/core/diffusion/schedulers/index.ts';

const fl = Math.fround;

export function fakeEps(xIn: Float32Array, t: number, c: number): Float32Array {
  const bias = fl(fl(fl(0.01) * fl(t)) / 1000);
  const k = fl(0.1);
  const cf = fl(c);
  return xIn.map((v) => fl(fl(k * v) + bias) + cf);
}

/** The fake model with CFG (cond and uncond outputs) or without (cfg null); counts calls and records t. */
export function fakeUnet(cfg: number | null, counter: { calls: number; ts?: number[] }): UnetEps {
  return async (xIn, t) => {
    counter.calls++;
    counter.ts?.push(t);
    if (cfg === null) return { cond: fakeEps(xIn, t, 0) };
    return { cond: fakeEps(xIn, t, 0.05), uncond: fakeEps(xIn, t, 0) };
  };
}

/** max |a - b| / max |b|: latent error relative to the tensor's scale. */
export function scaledErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  let s = 0;
  for (let i = 0; i < b.length; i++) {
    m = Math.max(m, Math.abs((a[i] ?? NaN) - (b[i] ?? NaN)));
    s = Math.max(s, Math.abs(b[i] ?? NaN));
  }
  return m / s;
}

/** max |a - b| / |b| over entries; exact zeros must match exactly. */
export function maxRel(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < b.length; i++) {
    const x = a[i] ?? NaN;
    const y = b[i] ?? NaN;
    if (y === 0) expect(x).toBe(0);
    else m = Math.max(m, Math.abs(x - y) / Math.abs(y));
  }
  return m;
}
