/**
 * "DDIM" as A1111 >= 1.6 runs it (`sd_samplers_timesteps_impl.ddim`): eps model at integer timesteps
 * clip(range(0, T, T // steps) + 1), starting from the unscaled noise; len(timesteps) - 1 model calls, so the
 * result sits at alphas_cumprod[1], not [0] (A1111's quirk, kept on purpose). A noise draw is made every step
 * even with eta 0, keeping the generator in step with A1111.
 */
import { internalError } from '../../errors.ts';
import type { DiscreteSchedule } from './discrete.ts';
import { fl } from './f32.ts';
import { ddimTimesteps, timestepMeta, timestepPlan } from './timesteps.ts';
import type { SamplerDef } from './types.ts';

export { ddimTimesteps } from './timesteps.ts';

/** DDIM over A1111 timesteps: len - 1 steps and model calls. */
const planDdim = (schedule: DiscreteSchedule, ts: Int32Array) => timestepPlan(schedule, ts, Math.max(ts.length - 1, 0), Math.max(ts.length - 1, 0));

export function createDdim(eta = 0): SamplerDef {
  return {
    id: 'ddim',
    meta: timestepMeta({
      label: 'DDIM',
      aliases: ['ddim'],
      ancestral: eta !== 0,
      usesEnsd: true,
      modelCalls: (n) => ddimTimesteps(n).length - 1,
      description: 'DDIM (eta 0) on evenly spaced training timesteps, as A1111 1.6+ runs it.',
    }),
    plan: (schedule, steps) => planDdim(schedule, ddimTimesteps(steps, schedule.alphasCumprod.length)),
    planTimesteps: planDdim,
    initialLatent: (noise) => Float32Array.from(noise),
    createStepper(schedule, p) {
      const ts = p.timesteps;
      if (!ts) throw internalError('DDIM plan without timesteps');
      const ac = schedule.alphasCumprod;
      const at = (k: number): number => ac[ts[k] ?? -1] ?? NaN;
      const atPrev = (k: number): number => (k === 0 ? ac[0] ?? NaN : at(k - 1));
      return {
        plan: p,
        async step(x, i, { model, noise }) {
          if (!model.eps) throw internalError('DDIM needs a timestep (eps) model');
          const idx = ts.length - 1 - i;
          if (i < 0 || idx < 1) throw internalError(`step ${i} outside 0..${p.steps - 1}`);
          const e = await model.eps(x, ts[idx] ?? 0);
          const aT = at(idx);
          const aPrev = atPrev(idx);
          const sigmaT = fl(eta * Math.sqrt(((1 - aPrev) / (1 - aT)) * (1 - aT / aPrev)));
          const s1m = fl(Math.sqrt(fl(1 - aT)));
          const sqrtAT = fl(Math.sqrt(aT));
          const sqrtAPrev = fl(Math.sqrt(aPrev));
          const dirScale = fl(Math.sqrt(fl(fl(1 - aPrev) - fl(sigmaT * sigmaT))));
          const nz = noise();
          if (nz.length !== x.length) throw internalError(`noise length ${nz.length} != latent length ${x.length}`);
          const out = new Float32Array(x.length);
          for (let k = 0; k < x.length; k++) {
            const ek = e[k] ?? 0;
            const x0 = fl(fl((x[k] ?? 0) - fl(s1m * ek)) / sqrtAT);
            out[k] = fl(fl(sqrtAPrev * x0) + fl(dirScale * ek)) + fl(sigmaT * (nz[k] ?? 0));
          }
          return out;
        },
      };
    },
  };
}

export const ddim: SamplerDef = createDdim();
