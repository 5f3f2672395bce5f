/**
 * Brownian-tree noise for the SDE samplers (DPM++ SDE, 2M SDE, 3M SDE), deterministic per image seed and
 * independent of the batch, as A1111's `BrownianTreeNoiseSampler(x, sigma_min, sigma_max, seed=seeds)` is.
 * The tree itself is this app's (a bisected Brownian bridge seeded from the image seed and the node's path),
 * not torchsde's, so the SDE samplers' noise differs from A1111's; everything else matches (samplers.md §8).
 * k-diffusion's convention: noise(sigma, sigma_next) = (W(sigma_next) - W(sigma)) / sqrt(|sigma_next - sigma|).
 */
import { internalError } from '../../errors.ts';
import { numel, TorchGenerator } from '../noise/index.ts';
import type { BrownianNoiseFn } from './types.ts';

export interface BrownianNoiseOptions {
  /** One seed per image (A1111: the batch's seeds). */
  seeds: readonly (number | bigint)[];
  /** Per-image latent shape, e.g. [4, H/8, W/8]. */
  shape: readonly number[];
  /** The interval the tree covers: the smallest non-zero and the largest sigma of the run. */
  sigmaMin: number;
  sigmaMax: number;
  /** Bisection stops below this interval width (torchsde's default tolerance). */
  tol?: number;
}

/** 32-bit mix of a seed and a node path (splitmix-style), for the node's generator. */
function nodeSeed(seed: number | bigint, depth: number, index: number): number {
  let h = Number(BigInt.asUintN(32, BigInt(seed))) ^ Math.imul(depth + 1, 0x9e3779b1) ^ Math.imul(index, 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b);
  return (h ^ (h >>> 16)) >>> 0;
}

class Tree {
  private readonly cache = new Map<string, Float64Array>();

  constructor(
    private readonly seed: number | bigint,
    private readonly shape: readonly number[],
    private readonly t0: number,
    private readonly t1: number,
    private readonly tol: number,
  ) {}

  private normal(depth: number, index: number): Float32Array {
    return new TorchGenerator(nodeSeed(this.seed, depth, index)).randn(this.shape);
  }

  /** W(t), W(t0) = 0, by bisection of Brownian bridges down to `tol`, then linear inside the leaf. */
  at(t: number): Float64Array {
    const n = numel(this.shape);
    let a = this.t0;
    let b = this.t1;
    let wa: Float64Array = new Float64Array(n);
    let wb: Float64Array | undefined = this.cache.get('0:0');
    if (!wb) this.cache.set('0:0', (wb = Float64Array.from(this.normal(0, 0), (z) => z * Math.sqrt(b - a))));
    const tc = Math.min(Math.max(t, a), b);
    let depth = 0;
    let index = 0;
    while (b - a > this.tol && tc !== a && tc !== b) {
      depth++;
      const key = `${depth}:${index}`;
      let wm = this.cache.get(key);
      if (!wm) {
        const z = this.normal(depth, index);
        const sd = Math.sqrt(b - a) / 2;
        wm = new Float64Array(n);
        for (let k = 0; k < n; k++) wm[k] = ((wa[k] ?? 0) + (wb[k] ?? 0)) / 2 + sd * (z[k] ?? 0);
        if (this.cache.size > 256) for (const k of this.cache.keys()) if (k !== '0:0') this.cache.delete(k);
        this.cache.set(key, wm);
      }
      const m = (a + b) / 2;
      if (tc < m) [b, wb, index] = [m, wm, index * 2];
      else [a, wa, index] = [m, wm, index * 2 + 1];
    }
    if (tc === a) return wa;
    if (tc === b) return wb;
    const w = (tc - a) / (b - a);
    return Float64Array.from(wa, (v, k) => v + w * ((wb[k] ?? 0) - v));
  }
}

/** The SDE samplers' noise sampler over one Brownian tree per image. */
export function createBrownianNoise(opts: BrownianNoiseOptions): BrownianNoiseFn {
  const { seeds, shape, sigmaMin, sigmaMax } = opts;
  if (!(sigmaMin >= 0 && sigmaMax > sigmaMin)) throw internalError(`Brownian tree over [${sigmaMin}, ${sigmaMax}]`);
  const trees = seeds.map((s) => new Tree(s, shape, sigmaMin, sigmaMax, opts.tol ?? 1e-6));
  const per = numel(shape);
  return (sigma, sigmaNext) => {
    const out = new Float32Array(per * trees.length);
    const scale = 1 / Math.sqrt(Math.abs(sigmaNext - sigma));
    trees.forEach((tree, i) => {
      const w1 = tree.at(sigmaNext);
      const w0 = tree.at(sigma);
      for (let k = 0; k < per; k++) out[i * per + k] = ((w1[k] ?? 0) - (w0[k] ?? 0)) * scale;
    });
    return out;
  };
}

/** A1111's tree range: the smallest non-zero and the largest sigma of the (full) schedule. */
export function brownianRange(sigmas: ArrayLike<number>): { sigmaMin: number; sigmaMax: number } {
  let sigmaMin = Infinity;
  let sigmaMax = -Infinity;
  for (let i = 0; i < sigmas.length; i++) {
    const s = sigmas[i] ?? 0;
    if (s > 0) sigmaMin = Math.min(sigmaMin, s);
    sigmaMax = Math.max(sigmaMax, s);
  }
  return { sigmaMin, sigmaMax };
}
