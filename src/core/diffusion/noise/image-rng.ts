/**
 * A1111's `ImageRNG` for the "CPU" source (modules/rng.py): one torch generator per image, seeds
 * seed, seed+1, … for a batch; `next()` draws one latent-shaped tensor from each generator, in order.
 * Draw #1 is the initial noise (with variation seeds and "Resize seed from" applied as A1111's `first()`
 * does); each later draw is one sampler noise request (Euler a, DDIM), from seed + ENSD when that is set.
 */
import { StudioError } from '../../errors.ts';
import { numel, TorchGenerator } from './generator.ts';
import { pasteResizedNoise, seedResizeShape, slerp } from './variation.ts';

export interface ImageRngOptions {
  /** Per-image latent shape without the batch dim, e.g. [4, H/8, W/8]. */
  shape: readonly number[];
  /** One seed per image. */
  seeds: readonly (number | bigint)[];
  /** A1111 "eta noise seed delta": when non-zero, draws after the first come from seed + ensd. */
  ensd?: number;
  /** Variation seeds, one per image (A1111: subseed, subseed + 1, …); missing entries are 0, as A1111's. */
  subseeds?: readonly (number | bigint)[];
  /** Variation strength: slerp from the seed's noise (0) toward the subseed's (1). */
  subseedStrength?: number;
  /** "Resize seed from" W x H in pixels (0 or absent: off): the seed's noise as it was at that size. */
  seedResizeFrom?: { width: number; height: number };
}

/** Batch seeds as A1111 assigns them: seed, seed+1, … */
export function batchSeeds(seed: number | bigint, count: number): (number | bigint)[] {
  const out: (number | bigint)[] = [];
  for (let i = 0; i < count; i++) out.push(typeof seed === 'bigint' ? seed + BigInt(i) : seed + i);
  return out;
}

export class ImageRng {
  readonly shape: readonly number[];
  readonly seeds: readonly (number | bigint)[];
  private readonly generators: TorchGenerator[];
  private readonly ensd: number;
  private readonly opts: ImageRngOptions;
  private draws = 0;

  constructor(opts: ImageRngOptions) {
    this.shape = [...opts.shape];
    this.seeds = [...opts.seeds];
    this.ensd = opts.ensd ?? 0;
    this.opts = opts;
    this.generators = this.seeds.map((s) => new TorchGenerator(s));
    const r = opts.seedResizeFrom;
    if ((opts.subseedStrength || (r && r.width > 0 && r.height > 0)) && this.shape.length !== 3) {
      throw new StudioError('bad-request', 'Variation seeds and seed resize need a per-image [C, H, W] latent shape.');
    }
  }

  /** A1111 `ImageRNG.first()` for image i: the seed's noise, slerped toward the subseed's, pasted when resized. */
  private firstNoise(i: number): Float32Array {
    const gen = this.generators[i]!;
    const seed = this.seeds[i]!;
    const { subseeds, subseedStrength = 0, seedResizeFrom: r } = this.opts;
    const resized = r !== undefined && r.width > 0 && r.height > 0;
    if (!resized && !subseedStrength) return gen.randn(this.shape);
    const shape = this.shape as [number, number, number];
    const noiseShape = resized ? seedResizeShape(shape[0], r) : shape;
    const same = noiseShape.every((d, k) => d === shape[k]);
    let noise = same ? gen.randn(shape) : new TorchGenerator(seed).randn(noiseShape);
    if (subseedStrength) {
      const sub = subseeds?.[i] ?? 0;
      noise = slerp(subseedStrength, noise, new TorchGenerator(sub).randn(noiseShape), noiseShape);
    }
    return same ? noise : pasteResizedNoise(gen.randn(shape), shape, noise, noiseShape);
  }

  /** Elements per image. */
  get perImage(): number {
    return numel(this.shape);
  }

  /** Number of tensors drawn so far (per image). */
  get drawCount(): number {
    return this.draws;
  }

  /** Next [B, ...shape] draw, images concatenated. */
  next(): Float32Array {
    const per = this.perImage;
    const out = new Float32Array(per * this.generators.length);
    this.generators.forEach((g, i) => out.set(this.draws === 0 ? this.firstNoise(i) : g.randn(this.shape), i * per));
    this.draws++;
    if (this.draws === 1 && this.ensd !== 0) {
      this.seeds.forEach((s, i) => {
        const seed = typeof s === 'bigint' ? s + BigInt(this.ensd) : s + this.ensd;
        this.generators[i]?.manualSeed(seed);
      });
    }
    return out;
  }
}
