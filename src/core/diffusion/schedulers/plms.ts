/**
 * "PLMS" as A1111 >= 1.6 runs it (`sd_samplers_timesteps_impl.plms`): pseudo linear multistep on the eps of the
 * DDIM timestep grid, from the unscaled noise. The first step is a pseudo improved Euler step (two model
 * calls), the next ones Adams–Bashforth of order 2, 3 and then 4 over the previous eps. No noise is drawn.
 */
import { internalError } from '../../errors.ts';
import type { DiscreteSchedule } from './discrete.ts';
import { fl } from './f32.ts';
import { ddimTimesteps, timestepMeta, timestepPlan } from './timesteps.ts';
import type { SamplerDef } from './types.ts';

/** Adams–Bashforth combination of eps e and the previous ones (newest first), as A1111 writes it. */
function combine(e: Float32Array, old: Float32Array[]): Float32Array {
  const out = new Float32Array(e.length);
  const [o1, o2, o3] = old;
  for (let k = 0; k < e.length; k++) {
    const ek = e[k] ?? 0;
    if (!o1) out[k] = ek;
    else if (!o2) out[k] = fl(fl(fl(3 * ek) - (o1[k] ?? 0)) / 2);
    else if (!o3) out[k] = fl(fl(fl(fl(23 * ek) - fl(16 * (o1[k] ?? 0))) + fl(5 * (o2[k] ?? 0))) / 12);
    else out[k] = fl(fl(fl(fl(fl(55 * ek) - fl(59 * (o1[k] ?? 0))) + fl(37 * (o2[k] ?? 0))) - fl(9 * (o3[k] ?? 0))) / 24);
  }
  return out;
}

/** One model call per step plus one more in the first (pseudo improved Euler) step. */
export const plmsCalls = (loopSteps: number): number => (loopSteps > 0 ? loopSteps + 1 : 0);

const planPlms = (schedule: DiscreteSchedule, ts: Int32Array) => timestepPlan(schedule, ts, Math.max(ts.length - 1, 0), plmsCalls(ts.length - 1));

export const plms: SamplerDef = {
  id: 'plms',
  meta: timestepMeta({
    label: 'PLMS',
    aliases: ['plms'],
    modelCalls: (n) => plmsCalls(ddimTimesteps(n).length - 1),
    description: 'Pseudo linear multistep (order up to 4) on the DDIM timesteps; deterministic.',
  }),
  plan: (schedule, steps) => planPlms(schedule, ddimTimesteps(steps, schedule.alphasCumprod.length)),
  planTimesteps: planPlms,
  initialLatent: (noise) => Float32Array.from(noise),
  createStepper(schedule, p) {
    const ts = p.timesteps;
    if (!ts) throw internalError('PLMS plan without timesteps');
    const ac = schedule.alphasCumprod;
    const oldEps: Float32Array[] = [];
    return {
      plan: p,
      async step(x, i, { model }) {
        if (!model.eps) throw internalError('PLMS needs a timestep (eps) model');
        const index = ts.length - 1 - i;
        if (i < 0 || index < 1) throw internalError(`step ${i} outside 0..${p.steps - 1}`);
        const aT = ac[ts[index] ?? -1] ?? NaN;
        const aPrev = index === 0 ? (ac[0] ?? NaN) : (ac[ts[index - 1] ?? -1] ?? NaN);
        const s1m = fl(Math.sqrt(fl(1 - aT)));
        const sqrtAT = fl(Math.sqrt(aT));
        const sqrtAPrev = fl(Math.sqrt(aPrev));
        const dirScale = fl(Math.sqrt(fl(1 - aPrev)));
        const xPrev = (e: Float32Array): Float32Array => {
          const out = new Float32Array(x.length);
          for (let k = 0; k < x.length; k++) {
            const ek = e[k] ?? 0;
            const x0 = fl(fl((x[k] ?? 0) - fl(s1m * ek)) / sqrtAT);
            out[k] = fl(sqrtAPrev * x0) + fl(dirScale * ek);
          }
          return out;
        };
        const e = await model.eps(x, ts[index] ?? 0);
        let prime: Float32Array;
        if (oldEps.length === 0) {
          const eNext = await model.eps(xPrev(e), ts[Math.max(index - 1, 0)] ?? 0);
          prime = new Float32Array(e.length);
          for (let k = 0; k < e.length; k++) prime[k] = fl(fl((e[k] ?? 0) + (eNext[k] ?? 0)) / 2);
        } else {
          prime = combine(e, [...oldEps].reverse());
        }
        oldEps.push(e);
        if (oldEps.length >= 4) oldEps.shift();
        return xPrev(prime);
      },
    };
  },
};
