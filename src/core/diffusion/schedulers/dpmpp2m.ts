/**
 * "DPM++ 2M" = k-diffusion `sample_dpmpp_2m`: second-order multistep in t = -ln(sigma). A1111 1.9+ runs it on
 * the Karras schedule when the schedule type is "Automatic"; 1.6–1.8's "DPM++ 2M" was the uniform schedule and
 * "DPM++ 2M Karras" the Karras one (both names still parse: names.ts).
 */
import { kInitialLatent, kPlanner, sigmaAt } from './common.ts';
import { fl, linComb2 } from './f32.ts';
import { kMeta } from './meta.ts';
import type { SamplerDef } from './types.ts';

/** k-diffusion's t_fn and sigma_fn for the DPM-Solver++ family: t = -ln(sigma), sigma = exp(-t). */
export const tOf = (sigma: number): number => -fl(Math.log(sigma));
export const sigmaOf = (t: number): number => fl(Math.exp(-t));

export function createDpmpp2m(): SamplerDef {
  const meta = kMeta({
    label: 'DPM++ 2M',
    aliases: ['k_dpmpp_2m', 'sample_dpmpp_2m'],
    defaultSchedule: 'karras',
    description: 'DPM-Solver++(2M) multistep; deterministic. "Automatic" = the Karras schedule (A1111 1.9+).',
  });
  return {
    id: 'dpmpp_2m',
    meta,
    ...kPlanner(meta),
    initialLatent: kInitialLatent,
    createStepper(_schedule, plan) {
      let oldDenoised: Float32Array | null = null;
      return {
        plan,
        async step(x, i, { model }) {
          const [s, next] = sigmaAt(plan, i);
          const den = await model.denoise(x, s);
          const t = tOf(s);
          const tNext = tOf(next);
          const h = fl(tNext - t);
          const ratio = fl(sigmaOf(tNext) / sigmaOf(t));
          const em1 = fl(Math.expm1(-h));
          let target = den;
          if (oldDenoised !== null && next !== 0) {
            const hLast = fl(t - tOf(plan.sigmas[i - 1] ?? 0));
            const r = fl(hLast / h);
            const inv2r = fl(1 / fl(2 * r));
            target = linComb2(fl(1 + inv2r), den, inv2r, oldDenoised);
          }
          oldDenoised = den;
          return linComb2(ratio, x, em1, target);
        },
      };
    },
  };
}

export const dpmpp2m: SamplerDef = createDpmpp2m();
