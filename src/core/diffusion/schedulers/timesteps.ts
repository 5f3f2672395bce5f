/**
 * The timestep samplers' grid (A1111 `CompVisSampler.get_timesteps`): clip(range(0, T, T // steps) + 1, 0,
 * T - 1), ascending. A1111 ignores the schedule type for them. Plans list the matching noise levels
 * sqrt((1 - ac) / ac), descending, then 0, for progress and previews.
 */
import { StudioError } from '../../errors.ts';
import { checkSteps } from './common.ts';
import type { DiscreteSchedule } from './discrete.ts';
import { kMeta } from './meta.ts';
import type { SamplerMeta, SamplerPlan } from './types.ts';

export function ddimTimesteps(steps: number, numTrain = 1000): Int32Array {
  checkSteps(steps);
  const stride = Math.floor(numTrain / steps);
  if (stride < 1) throw new StudioError('bad-request', `Timestep samplers take at most ${numTrain} steps, the model's training timesteps.`);
  const ts: number[] = [];
  for (let v = 0; v < numTrain; v += stride) ts.push(Math.min(Math.max(v + 1, 0), numTrain - 1));
  return Int32Array.from(ts);
}

/** A plan over `timesteps` (ascending) with `loopSteps` step calls and `calls` model evaluations. */
export function timestepPlan(schedule: DiscreteSchedule, timesteps: Int32Array, loopSteps: number, calls: number): SamplerPlan {
  const sigmas = new Float32Array(timesteps.length + 1);
  for (let k = 0; k < timesteps.length; k++) sigmas[k] = schedule.sigmas[timesteps[timesteps.length - 1 - k] ?? 0] ?? 0;
  return { sigmas, steps: loopSteps, modelCalls: calls, timesteps };
}

/** Meta of a timestep sampler (eps model at training timesteps, noise start, eta 0). */
export function timestepMeta(m: Pick<SamplerMeta, 'label' | 'aliases' | 'description' | 'modelCalls'> & Partial<SamplerMeta>): SamplerMeta {
  return kMeta({ family: 'timesteps', etaDefault: 0, ...m });
}
