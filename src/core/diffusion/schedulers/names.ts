/**
 * Sampler and schedule names as A1111 1.9+ reads them (`sd_samplers.get_sampler_and_scheduler`): a trailing
 * schedule label ("DPM++ 2M Karras", "DPM++ 2M SDE Exponential") is split off into the schedule type, and a
 * schedule that is the sampler's own default becomes "Automatic". samplers.md §5.
 */
import { SCHEDULE_TYPES, findScheduleType, scheduleTypeById, type ScheduleTypeDef, type ScheduleTypeId } from './schedule-types.ts';
import type { SamplerDef } from './types.ts';

export interface SamplerChoice {
  sampler: SamplerDef;
  scheduleType: ScheduleTypeDef;
}

/** A1111's old `k_*_ka` aliases (1.0–1.8), which named a Karras variant. */
const KARRAS_ALIASES: Record<string, string> = {
  k_lms_ka: 'LMS',
  k_dpm_2_ka: 'DPM2',
  k_dpm_2_a_ka: 'DPM2 a',
  k_dpmpp_2s_a_ka: 'DPM++ 2S a',
  k_dpmpp_2m_ka: 'DPM++ 2M',
  k_dpmpp_sde_ka: 'DPM++ SDE',
  k_dpmpp_2m_sde_ka: 'DPM++ 2M SDE',
  k_dpmpp_2m_sde_heun_ka: 'DPM++ 2M SDE Heun',
};

/**
 * `get_sampler_and_scheduler(name, scheduleType)` over `samplers`: undefined when the sampler is unknown
 * (A1111 would fall back to its default sampler; the app says so instead). `convertAutomatic` as A1111.
 */
export function resolveSamplerName(
  samplers: readonly SamplerDef[],
  name: string,
  scheduleType?: string,
  convertAutomatic = true,
): SamplerChoice | undefined {
  const lookup = (n: string) => {
    const key = n.trim().toLowerCase();
    return samplers.find((s) => s.meta.label.toLowerCase() === key || s.id === key || s.meta.aliases.some((a) => a.toLowerCase() === key));
  };
  let found: ScheduleTypeDef = (scheduleType !== undefined ? findScheduleType(scheduleType) : undefined) ?? SCHEDULE_TYPES[0]!;
  let base = name.trim();
  const karras = KARRAS_ALIASES[base.toLowerCase()];
  if (karras) [base, found] = [karras, scheduleTypeById('karras')];
  for (const type of SCHEDULE_TYPES) {
    for (const option of [type.label, ...type.aliases]) {
      if (base.toLowerCase().endsWith(` ${option.toLowerCase()}`)) {
        found = type;
        base = base.slice(0, -(option.length + 1));
        break;
      }
    }
  }
  const sampler = lookup(base);
  if (!sampler) return undefined;
  if (convertAutomatic && sampler.meta.defaultSchedule === found.id) found = SCHEDULE_TYPES[0]!;
  return { sampler, scheduleType: found };
}

/** A sampler whose "Automatic" schedule is `id` (for the old combined names such as "LMS Karras"). */
export function withDefaultSchedule(def: SamplerDef, id: ScheduleTypeId): SamplerDef {
  if (id === 'automatic') return def;
  return {
    ...def,
    plan: (schedule, steps, type = 'automatic') => def.plan(schedule, steps, type === 'automatic' ? id : type),
  };
}
