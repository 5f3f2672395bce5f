/**
 * k-diffusion's ancestral samplers share one shape: denoise at sigma, a deterministic step down to sigma_down
 * (`get_ancestral_step`), then fresh noise × s_noise × sigma_up from the image's generator. They differ in the
 * step and in when the noise is drawn: Euler a and DPM++ 2S a while sigma_{i+1} > 0, DPM2 a only when it took its
 * midpoint step (sigma_down > 0) — A1111's seeds depend on that count, so it is kept per sampler.
 */
import { drawNoise, kStepSampler } from './common.ts';
import { addScaled, fl, toD } from './f32.ts';
import type { SamplerDef, SamplerMeta, SamplerModel } from './types.ts';

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

/** The Euler step from sigma to `to`: x + d · (to − sigma). */
export const eulerTo = (x: Float32Array, den: Float32Array, sigma: number, to: number): Float32Array => addScaled(x, toD(x, sigma, den), fl(to - sigma));

export interface AncestralStep {
  /** the deterministic step from `sigma` (denoised `den`) to `sigmaDown` > 0 */
  down(model: SamplerModel, x: Float32Array, den: Float32Array, sigma: number, sigmaDown: number): Promise<Float32Array> | Float32Array;
  /** 'next': noise while sigma_{i+1} > 0 (Euler a, DPM++ 2S a); 'down': only after a step to sigma_down > 0 (DPM2 a) */
  noiseWhen: 'next' | 'down';
}

export function ancestralSampler(id: string, meta: SamplerMeta, eta: number, sNoise: number, { down, noiseWhen }: AncestralStep): SamplerDef {
  return kStepSampler(id, meta, async (x, s, next, { model, noise }) => {
    const den = await model.denoise(x, s);
    const { sigmaDown, sigmaUp } = ancestralStep(s, next, eta);
    const out = sigmaDown === 0 ? eulerTo(x, den, s, sigmaDown) : await down(model, x, den, s, sigmaDown);
    const noised = noiseWhen === 'next' ? next > 0 : sigmaDown !== 0;
    return noised ? addAncestralNoise(out, drawNoise(noise, out.length), sNoise, sigmaUp) : out;
  });
}
