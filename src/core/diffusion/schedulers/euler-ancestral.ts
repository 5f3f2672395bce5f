/**
 * "Euler a" = k-diffusion `sample_euler_ancestral` (eta 1, s_noise 1): an Euler step down to sigma_down, then
 * fresh noise * sigma_up — drawn from the image's generator only while sigma_{i+1} > 0 (A1111 draws
 * steps-1 times after the initial noise).
 */
import { ancestralSampler, eulerTo } from './ancestral.ts';
import { kMeta } from './meta.ts';
import type { SamplerDef } from './types.ts';

export function createEulerAncestral(eta = 1, sNoise = 1): SamplerDef {
  const meta = kMeta({
    label: 'Euler a',
    aliases: ['k_euler_a', 'k_euler_ancestral', 'euler_ancestral', 'sample_euler_ancestral'],
    ancestral: true,
    usesEnsd: true,
    description: 'Euler with ancestral noise: each step re-noises from the seed generator; does not converge with more steps.',
  });
  return ancestralSampler('euler_a', meta, eta, sNoise, { down: (_model, x, den, sigma, sigmaDown) => eulerTo(x, den, sigma, sigmaDown), noiseWhen: 'next' });
}

export const eulerAncestral: SamplerDef = createEulerAncestral();
