/**
 * What the generation asks before sampling: sampler name + "Schedule type" + steps -> the sampler, its plan,
 * and the names A1111 would write into the infotext. samplers.md §5.
 */
import { StudioError } from '../../errors.ts';
import type { DiscreteSchedule } from './discrete.ts';
import { resolveSamplerName } from './names.ts';
import { SAMPLERS, samplerLabels } from './registry.ts';
import { getScheduleType, scheduleTypeById, type ScheduleTypeDef } from './schedule-types.ts';
import type { SamplerDef, SamplerPlan } from './types.ts';

export interface SamplingPlan {
  sampler: SamplerDef;
  /** The schedule type asked for, after splitting an old combined sampler name ("LMS Karras"). */
  scheduleType: ScheduleTypeDef;
  plan: SamplerPlan;
  /** `Sampler:` and `Schedule type:` as A1111 1.10 writes them for this run. */
  infotext: { sampler: string; scheduleType: string };
}

/**
 * A1111's "Schedule type" infotext value: the resolved schedule's label for k-diffusion samplers ("Automatic"
 * for DPM++ 2M is written "Karras"; "Automatic" stays when the sampler has no default), and the value asked
 * for with the timestep samplers, which ignore it.
 */
export function infotextScheduleType(def: SamplerDef, requested: ScheduleTypeDef): string {
  if (def.meta.family === 'timesteps' || requested.id !== 'automatic') return requested.label;
  return def.meta.defaultSchedule ? scheduleTypeById(def.meta.defaultSchedule).label : requested.label;
}

/** Sampler name (label, alias or old combined name) + schedule type (label or id) + steps -> the plan. */
export function samplingPlan(schedule: DiscreteSchedule, samplerName: string, steps: number, scheduleType = 'Automatic'): SamplingPlan {
  const requested = getScheduleType(scheduleType);
  const choice = resolveSamplerName(SAMPLERS, samplerName, requested.label, false);
  if (!choice) throw new StudioError('bad-request', `Unknown sampler ${JSON.stringify(samplerName.slice(0, 60))}; known: ${samplerLabels().join(', ')}.`);
  const { sampler, scheduleType: type } = choice;
  return {
    sampler,
    scheduleType: type,
    plan: sampler.plan(schedule, steps, type.id),
    infotext: { sampler: sampler.meta.label, scheduleType: infotextScheduleType(sampler, type) },
  };
}

/**
 * A1111's `ENSD:` infotext value (`is_sampler_using_eta_noise_seed_delta`): the delta when it is non-zero and
 * the sampler has `uses_ensd` with a non-zero eta (its default: 1 for k-diffusion, 0 for DDIM), else undefined.
 * The reseed itself (ImageRng's `ensd`) happens for every sampler, as in A1111.
 */
export function infotextEnsd(def: SamplerDef, ensd: number, eta: number = def.meta.etaDefault): number | undefined {
  return ensd !== 0 && eta !== 0 && def.meta.usesEnsd ? ensd : undefined;
}
