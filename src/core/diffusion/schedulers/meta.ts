/** Defaults of SamplerMeta, so each sampler file states only what is particular to it. */
import type { SamplerMeta } from './types.ts';

type Required = Pick<SamplerMeta, 'label' | 'aliases' | 'description'>;

/** A k-diffusion sampler's meta: deterministic, eta 1, 20 steps, one model call per step unless told. */
export function kMeta(m: Required & Partial<SamplerMeta>): SamplerMeta {
  return { family: 'k-diffusion', ancestral: false, usesEnsd: false, brownian: false, etaDefault: 1, defaultSteps: 20, modelCalls: (n) => n, ...m };
}
