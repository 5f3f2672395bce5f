/**
 * "Euler a" = k-diffusion `sample_euler_ancestral` (eta 1, s_noise 1): an Euler step down to sigma_down, then
 * fresh noise * sigma_up — drawn from the image's generator only while sigma_{i+1} > 0 (A1111 draws
 * steps-1 times after the initial noise).
 */
import { drawNoise, kInitialLatent, kPlanner, sigmaAt } from './common.ts';
import { addScaled, fl, toD } from './f32.ts';
import { kMeta } from './meta.ts';
import type { SamplerDef } from './types.ts';

/** k-diffusion `get_ancestral_step` on 0-dim float32 tensors. */
export function ancestralStep(sigmaFrom: number, sigmaTo: number, eta = 1): { sigmaDown: number; sigmaUp: number } {
  if (!eta) return { sigmaDown: sigmaTo, sigmaUp: 0 };
  const f2 = fl(sigmaFrom * sigmaFrom);
  const t2 = fl(sigmaTo * sigmaTo);
  const up = fl(fl(eta) * fl(Math.sqrt(fl(fl(t2 * fl(f2 - t2)) / f2))));
  const sigmaUp = Math.min(sigmaTo, up);
  const sigmaDown = fl(Math.sqrt(fl(t2 - fl(sigmaUp * sigmaUp))));
  return { sigmaDown, sigmaUp };
}

/** x + noise * s_noise * sigma_up, in k-diffusion's order of float32 operations (in place on `out`). */
export function addAncestralNoise(out: Float32Array, noise: Float32Array, sNoise: number, sigmaUp: number): Float32Array {
  const sn = fl(sNoise);
  for (let k = 0; k < out.length; k++) out[k] = (out[k] ?? 0) + fl(fl((noise[k] ?? 0) * sn) * sigmaUp);
  return out;
}

export function createEulerAncestral(eta = 1, sNoise = 1): SamplerDef {
  const meta = kMeta({
    label: 'Euler a',
    aliases: ['k_euler_a', 'k_euler_ancestral', 'euler_ancestral', 'sample_euler_ancestral'],
    ancestral: true,
    usesEnsd: true,
    description: 'Euler with ancestral noise: each step re-noises from the seed generator; does not converge with more steps.',
  });
  return {
    id: 'euler_a',
    meta,
    ...kPlanner(meta),
    initialLatent: kInitialLatent,
    createStepper(_schedule, plan) {
      return {
        plan,
        async step(x, i, { model, noise }) {
          const [s, next] = sigmaAt(plan, i);
          const den = await model.denoise(x, s);
          const { sigmaDown, sigmaUp } = ancestralStep(s, next, eta);
          const out = addScaled(x, toD(x, s, den), fl(sigmaDown - s));
          if (!(next > 0)) return out;
          return addAncestralNoise(out, drawNoise(noise, out.length), sNoise, sigmaUp);
        },
      };
    },
  };
}

export const eulerAncestral: SamplerDef = createEulerAncestral();
