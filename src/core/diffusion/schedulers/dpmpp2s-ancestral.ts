/**
 * "DPM++ 2S a" = k-diffusion `sample_dpmpp_2s_ancestral` (eta 1, s_noise 1): a single-step second-order
 * DPM-Solver++ update down to sigma_down (midpoint at r = 1/2 in t = -ln sigma), then ancestral noise while
 * sigma_{i+1} > 0. A1111 1.10: Karras by default.
 */
import { ancestralSampler } from './ancestral.ts';
import { twoCallsUnlessLast } from './common.ts';
import { sigmaOf, tOf } from './dpmpp2m.ts';
import { fl, linComb2 } from './f32.ts';
import { kMeta } from './meta.ts';
import type { SamplerDef } from './types.ts';

export function createDpmpp2sAncestral(eta = 1, sNoise = 1): SamplerDef {
  const meta = kMeta({
    label: 'DPM++ 2S a',
    aliases: ['k_dpmpp_2s_a', 'sample_dpmpp_2s_ancestral'],
    defaultSchedule: 'karras',
    ancestral: true,
    usesEnsd: true,
    modelCalls: (n) => 2 * n - 1,
    callsFor: twoCallsUnlessLast,
    description: 'Single-step DPM-Solver++(2S) with ancestral noise from the seed generator.',
  });
  return ancestralSampler('dpmpp_2s_a', meta, eta, sNoise, {
    async down(model, x, den, sigma, sigmaDown) {
      const t = tOf(sigma);
      const tNext = tOf(sigmaDown);
      const h = fl(tNext - t);
      const sMid = fl(t + fl(0.5 * h));
      const sigT = sigmaOf(t);
      const x2 = linComb2(fl(sigmaOf(sMid) / sigT), x, fl(Math.expm1(fl(-h * 0.5))), den);
      const den2 = await model.denoise(x2, sigmaOf(sMid));
      return linComb2(fl(sigmaOf(tNext) / sigT), x, fl(Math.expm1(-h)), den2);
    },
    noiseWhen: 'next',
  });
}

export const dpmpp2sAncestral: SamplerDef = createDpmpp2sAncestral();
