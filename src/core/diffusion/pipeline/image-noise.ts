/**
 * The noise of one U-Net batch as A1111 1.10 draws it (`processing.py` + `modules/rng.py`): one generator per
 * image seed, the first draw slerped toward the variation seed's (seed + i: subseed + i) and pasted from
 * "Resize seed from", later draws from seed + ENSD; the SDE samplers' Brownian trees over the plan's sigma
 * range, seeded by the image seeds (A1111 does not add ENSD there).
 */
import { ImageRng } from '../noise/index.ts';
import { brownianRange, createBrownianNoise, type BrownianNoiseFn, type SamplerDef } from '../schedulers/index.ts';
import type { GenerateRequest } from './types.ts';

export interface BatchNoise {
  rng: ImageRng;
  brownian?: BrownianNoiseFn;
  /** the variation seed of each image, when a variation strength is set */
  subseeds?: number[];
}

/** A1111's `Variation seed` of an image: the request's, offset as the image's seed is from the first. */
export function variationSeeds(req: GenerateRequest, seeds: readonly number[]): number[] | undefined {
  if (!req.variationStrength) return undefined;
  const base = req.variationSeed ?? 0;
  return seeds.map((s) => base + (s - req.seed));
}

/** The noise of one batch; the SDE samplers' Brownian tree spans `brownianSigmas` (img2img: the full schedule). */
export function batchNoise(req: GenerateRequest, shape: readonly number[], seeds: number[], sampler: SamplerDef, brownianSigmas: ArrayLike<number>): BatchNoise {
  const subseeds = variationSeeds(req, seeds);
  const from = req.seedResizeFrom;
  const rng = new ImageRng({
    shape,
    seeds,
    ensd: req.ensd ?? 0,
    ...(subseeds ? { subseeds, subseedStrength: req.variationStrength! } : {}),
    ...(from && from.width > 0 && from.height > 0 ? { seedResizeFrom: from } : {}),
  });
  const out: BatchNoise = subseeds ? { rng, subseeds } : { rng };
  if (sampler.meta.brownian) {
    out.brownian = createBrownianNoise({ seeds, shape, ...brownianRange(brownianSigmas) });
  }
  return out;
}
