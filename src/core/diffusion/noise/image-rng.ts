/**
 * A1111's `ImageRNG` for the "CPU" source (modules/rng.py): one torch generator per image, seeds
 * seed, seed+1, … for a batch; `next()` draws one latent-shaped tensor from each generator, in order.
 * Draw #1 is the initial noise; each later draw is one sampler noise request (Euler a, DDIM).
 */
import { numel, TorchGenerator } from './generator.ts';

export interface ImageRngOptions {
  /** Per-image latent shape without the batch dim, e.g. [4, H/8, W/8]. */
  shape: readonly number[];
  /** One seed per image. */
  seeds: readonly (number | bigint)[];
  /** A1111 "eta noise seed delta": when non-zero, draws after the first come from seed + ensd. */
  ensd?: number;
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
  private draws = 0;

  constructor(opts: ImageRngOptions) {
    this.shape = [...opts.shape];
    this.seeds = [...opts.seeds];
    this.ensd = opts.ensd ?? 0;
    this.generators = this.seeds.map((s) => new TorchGenerator(s));
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
    this.generators.forEach((g, i) => out.set(g.randn(this.shape), i * per));
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
