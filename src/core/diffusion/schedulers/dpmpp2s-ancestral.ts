/**
 * "DPM++ 2S a" = k-diffusion `sample_dpmpp_2s_ancestral` (eta 1, s_noise 1): a single-step second-order
 * DPM-Solver++ update down to sigma_down (midpoint at r = 1/2 in t = -ln sigma), then ancestral noise while
 * sigma_{i+1} > 0. A1111 1.10: Karras by default.
 */
import { drawNoise, kInitialLatent, kPlanner, sigmaAt, twoCallsUnlessLast } from './common.ts';
import { sigmaOf, tOf } from './dpmpp2m.ts';
import { addAncestralNoise, ancestralStep } from './euler-ancestral.ts';
import { addScaled, fl, linComb2, toD } from './f32.ts';
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
  return {
    id: 'dpmpp_2s_a',
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
          let out: Float32Array;
          if (sigmaDown === 0) {
            out = addScaled(x, toD(x, s, den), fl(sigmaDown - s));
          } else {
            const t = tOf(s);
            const tNext = tOf(sigmaDown);
            const h = fl(tNext - t);
            const sMid = fl(t + fl(0.5 * h));
            const sigT = sigmaOf(t);
            const x2 = linComb2(fl(sigmaOf(sMid) / sigT), x, fl(Math.expm1(fl(-h * 0.5))), den);
            const den2 = await model.denoise(x2, sigmaOf(sMid));
            out = linComb2(fl(sigmaOf(tNext) / sigT), x, fl(Math.expm1(-h)), den2);
          }
          if (next > 0) addAncestralNoise(out, drawNoise(noise, out.length), sNoise, sigmaUp);
          return out;
        },
      };
    },
  };
}

export const dpmpp2sAncestral: SamplerDef = createDpmpp2sAncestral();
