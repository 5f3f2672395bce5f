/** Shared plumbing of the k-diffusion samplers (sigma-space, start from noise * sigmas[0]). */
import { internalError, StudioError } from '../../errors.ts';
import type { DiscreteSchedule } from './discrete.ts';
import { scale } from './model.ts';
import type { SamplerPlan, ScheduleKind } from './types.ts';

export function checkSteps(steps: number): void {
  if (!Number.isInteger(steps) || steps < 1 || steps > 10000) throw new StudioError('bad-request', `Steps must be a whole number from 1 to 10000 (got ${steps}).`);
}

export function kSigmas(schedule: DiscreteSchedule, kind: ScheduleKind, steps: number): Float32Array {
  checkSteps(steps);
  return kind === 'karras' ? schedule.karrasSigmas(steps) : schedule.uniformSigmas(steps);
}

export function kPlan(schedule: DiscreteSchedule, kind: ScheduleKind, steps: number, calls: number): SamplerPlan {
  return { sigmas: kSigmas(schedule, kind, steps), steps, modelCalls: calls };
}

/** A1111 KDiffusionSampler: x = noise * sigmas[0] (sgm_noise_multiplier off). */
export function kInitialLatent(noise: Float32Array, plan: SamplerPlan): Float32Array {
  return scale(noise, plan.sigmas[0] ?? 0);
}

export function sigmaAt(plan: SamplerPlan, i: number): [number, number] {
  const s = plan.sigmas[i];
  const next = plan.sigmas[i + 1];
  if (s === undefined || next === undefined) throw internalError(`step ${i} outside 0..${plan.steps - 1}`);
  return [s, next];
}
