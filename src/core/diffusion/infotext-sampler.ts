/**
 * An infotext's `Sampler` and `Schedule type` as this app's sampler and schedule type. A1111 1.9+ reads them
 * with `get_sampler_and_scheduler` (old combined names split, a sampler's own default written as "Automatic").
 * One difference, to get the same image back: an infotext without `Schedule type` was written by A1111 < 1.9
 * (or uses no schedule), where a plain "DPM++ 2M" meant the uniform schedule, so that is what it gets here;
 * A1111 1.10 itself would use its newer default (Karras). samplers.md §5.
 */
import { resolveSamplerName } from './schedulers/names.ts';
import { infotextScheduleType } from './schedulers/plan.ts';
import { SAMPLERS } from './schedulers/registry.ts';
import { findScheduleType, SCHEDULE_TYPES } from './schedulers/schedule-types.ts';

export interface InfotextSampler {
  /** The app's sampler label. */
  sampler: string;
  /** The schedule type label to use ("Automatic" when the sampler's own). */
  scheduleType: string;
  /** Why the schedule type is not what A1111 1.10 would pick, when it is not. */
  note?: string;
}

export function samplerFromInfotext(sampler: string, scheduleType: string | undefined): InfotextSampler | undefined {
  const choice = resolveSamplerName(SAMPLERS, sampler, scheduleType);
  if (!choice) return undefined;
  const label = choice.sampler.meta.label;
  const plainName = resolveSamplerName(SAMPLERS, sampler, undefined, false)?.scheduleType.id === 'automatic';
  if (scheduleType === undefined && plainName && choice.sampler.meta.family === 'k-diffusion' && choice.sampler.meta.defaultSchedule) {
    return {
      sampler: label,
      scheduleType: 'Uniform',
      note: `No "Schedule type" (A1111 before 1.9): "${label}" ran on the Uniform schedule then, so Uniform is used, not today's default.`,
    };
  }
  return { sampler: label, scheduleType: choice.scheduleType.label };
}

/**
 * `Sampler:` and `Schedule type:` as A1111 1.10 writes them for a run of `sampler` (a label or an old combined
 * name) with schedule type `scheduleType`: "DPM++ 2M Karras" is written "DPM++ 2M" + "Karras"; "Automatic"
 * is written as the schedule it resolves to (plan.ts `infotextScheduleType`).
 */
export function infotextSamplerNames(sampler: string, scheduleType = 'Automatic'): { sampler: string; scheduleType: string } {
  const type = findScheduleType(scheduleType) ?? SCHEDULE_TYPES[0]!;
  const choice = resolveSamplerName(SAMPLERS, sampler, type.label, false);
  if (!choice) return { sampler, scheduleType: type.label };
  return { sampler: choice.sampler.meta.label, scheduleType: infotextScheduleType(choice.sampler, choice.scheduleType) };
}
