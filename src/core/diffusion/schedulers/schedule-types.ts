/**
 * A1111 1.10's "Schedule type" menu, in its order, chosen independently of the sampler. "Automatic" means
 * the sampler's own default (samplers.md §5): Karras for DPM++ 2M, Exponential for DPM++ 2M SDE, the model's
 * uniform `get_sigmas` for Euler. Timestep samplers (DDIM, PLMS, UniPC) ignore the schedule type, as A1111's do.
 */
import { StudioError } from '../../errors.ts';
import {
  alignYourSteps,
  betaSchedule,
  ddimSigmas,
  exponential,
  karras,
  klOptimal,
  normal,
  polyexponential,
  sgmUniform,
  simple,
  type SigmaScheduleFn,
} from './sigma-schedules.ts';

export type ScheduleTypeId =
  | 'automatic'
  | 'uniform'
  | 'karras'
  | 'exponential'
  | 'polyexponential'
  | 'sgm_uniform'
  | 'kl_optimal'
  | 'align_your_steps'
  | 'simple'
  | 'normal'
  | 'ddim'
  | 'beta';

export interface ScheduleTypeDef {
  id: ScheduleTypeId;
  /** A1111's label, as the infotext writes it (`Schedule type: Karras`). */
  label: string;
  aliases: readonly string[];
  /** null for "Automatic" (resolved per sampler). */
  sigmas: SigmaScheduleFn | null;
}

export const SCHEDULE_TYPES: readonly ScheduleTypeDef[] = [
  { id: 'automatic', label: 'Automatic', aliases: [], sigmas: null },
  { id: 'uniform', label: 'Uniform', aliases: [], sigmas: (n, table) => table.uniformSigmas(n) },
  { id: 'karras', label: 'Karras', aliases: [], sigmas: karras },
  { id: 'exponential', label: 'Exponential', aliases: [], sigmas: exponential },
  { id: 'polyexponential', label: 'Polyexponential', aliases: [], sigmas: polyexponential },
  { id: 'sgm_uniform', label: 'SGM Uniform', aliases: ['SGMUniform'], sigmas: sgmUniform },
  { id: 'kl_optimal', label: 'KL Optimal', aliases: [], sigmas: klOptimal },
  { id: 'align_your_steps', label: 'Align Your Steps', aliases: [], sigmas: alignYourSteps },
  { id: 'simple', label: 'Simple', aliases: [], sigmas: simple },
  { id: 'normal', label: 'Normal', aliases: [], sigmas: normal },
  { id: 'ddim', label: 'DDIM', aliases: [], sigmas: ddimSigmas },
  { id: 'beta', label: 'Beta', aliases: [], sigmas: betaSchedule() },
];

export const DEFAULT_SCHEDULE_TYPE = 'Automatic';

export function scheduleTypeLabels(): string[] {
  return SCHEDULE_TYPES.map((s) => s.label);
}

/** By id, label or alias, case-insensitively (A1111 matches its labels and aliases exactly). */
export function findScheduleType(name: string): ScheduleTypeDef | undefined {
  const key = name.trim().toLowerCase();
  return SCHEDULE_TYPES.find((s) => s.id === key || s.label.toLowerCase() === key || s.aliases.some((a) => a.toLowerCase() === key));
}

export function getScheduleType(name: string): ScheduleTypeDef {
  const found = findScheduleType(name);
  if (!found) throw new StudioError('bad-request', `Unknown schedule type ${JSON.stringify(name.slice(0, 60))}; known: ${scheduleTypeLabels().join(', ')}.`);
  return found;
}

export function scheduleTypeById(id: ScheduleTypeId): ScheduleTypeDef {
  return SCHEDULE_TYPES.find((s) => s.id === id) ?? SCHEDULE_TYPES[0]!;
}
