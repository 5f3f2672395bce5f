/**
 * "DPM++ 2M" = k-diffusion `sample_dpmpp_2m` on the Uniform schedule (A1111 1.6–1.8 naming; 1.9+ shows the
 * Karras variant under this name with "Schedule type: Automatic"). Second-order multistep in t = -ln(sigma).
 */
import { kInitialLatent, kPlan, sigmaAt } from './common.ts';
import { fl, linComb2 } from './f32.ts';
import type { SamplerDef, ScheduleKind } from './types.ts';

const tOf = (sigma: number): number => -fl(Math.log(sigma));
const sigmaOf = (t: number): number => fl(Math.exp(-t));

export function createDpmpp2m(kind: ScheduleKind): SamplerDef {
  const karras = kind === 'karras';
  return {
    id: karras ? 'dpmpp_2m_karras' : 'dpmpp_2m',
    meta: {
      label: karras ? 'DPM++ 2M Karras' : 'DPM++ 2M',
      aliases: karras ? ['k_dpmpp_2m_ka', 'dpmpp_2m_karras'] : ['k_dpmpp_2m', 'sample_dpmpp_2m'],
      schedule: kind,
      ancestral: false,
      defaultSteps: 20,
      modelCalls: (n) => n,
      description: `DPM-Solver++(2M) multistep on the ${karras ? 'Karras' : 'uniform'} schedule; deterministic.`,
    },
    plan: (schedule, steps) => kPlan(schedule, kind, steps, steps),
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

export const dpmpp2m: SamplerDef = createDpmpp2m('uniform');
