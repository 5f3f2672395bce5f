/**
 * Sampler registry: the one table the UI's sampler list and the CLI's `--sampler` read. Order = A1111's
 * list order; labels are A1111's names (accepted case-insensitively, as are the aliases).
 */
import { StudioError } from '../../errors.ts';
import { ddim } from './ddim.ts';
import type { DiscreteSchedule } from './discrete.ts';
import { dpmpp2m } from './dpmpp2m.ts';
import { dpmpp2mKarras } from './dpmpp2m-karras.ts';
import { euler } from './euler.ts';
import { eulerAncestral } from './euler-ancestral.ts';
import { heun } from './heun.ts';
import { lms } from './lms.ts';
import type { NoiseFn, SamplerDef, SamplerModel, SamplerPlan } from './types.ts';

export const SAMPLERS: readonly SamplerDef[] = [eulerAncestral, euler, lms, heun, dpmpp2m, dpmpp2mKarras, ddim];

export const DEFAULT_SAMPLER = 'Euler a';

export function samplerLabels(): string[] {
  return SAMPLERS.map((s) => s.meta.label);
}

/** Look a sampler up by A1111 label, id or alias (case-insensitive); undefined if unknown. */
export function findSampler(name: string): SamplerDef | undefined {
  const key = name.trim().toLowerCase();
  return SAMPLERS.find(
    (s) => s.meta.label.toLowerCase() === key || s.id === key || s.meta.aliases.some((a) => a.toLowerCase() === key),
  );
}

export function getSampler(name: string): SamplerDef {
  const s = findSampler(name);
  if (!s) throw new StudioError('bad-request', `Unknown sampler ${JSON.stringify(name)}; known: ${samplerLabels().join(', ')}.`);
  return s;
}

export interface RunOptions {
  schedule: DiscreteSchedule;
  steps: number;
  /** A precomputed plan (e.g. custom sigmas); default def.plan(schedule, steps). */
  plan?: SamplerPlan;
  /** First noise draw (ImageRng.next() #1), [B, C, H, W] flattened. */
  noise: Float32Array;
  model: SamplerModel;
  /** Later noise draws (ImageRng.next()), used by ancestral samplers and DDIM. */
  nextNoise: NoiseFn;
  /** Called after each step with the new latent; throw (e.g. an abort) to stop between steps. */
  onStep?: (info: { step: number; steps: number; x: Float32Array; plan: SamplerPlan }) => void | Promise<void>;
}

/** Run a whole sampling loop; returns the final latent. */
export async function runSampler(def: SamplerDef, opts: RunOptions): Promise<Float32Array> {
  const plan = opts.plan ?? def.plan(opts.schedule, opts.steps);
  const stepper = def.createStepper(opts.schedule, plan);
  let x = def.initialLatent(opts.noise, plan);
  for (let i = 0; i < plan.steps; i++) {
    x = await stepper.step(x, i, { model: opts.model, noise: opts.nextNoise });
    await opts.onStep?.({ step: i + 1, steps: plan.steps, x, plan });
  }
  return x;
}

export { ddim, ddimTimesteps, createDdim } from './ddim.ts';
export { dpmpp2m, createDpmpp2m } from './dpmpp2m.ts';
export { dpmpp2mKarras } from './dpmpp2m-karras.ts';
export { euler } from './euler.ts';
export { eulerAncestral, createEulerAncestral, ancestralStep } from './euler-ancestral.ts';
export { heun } from './heun.ts';
export { lms, createLms, lmsCoefficient } from './lms.ts';
export { DiscreteSchedule } from './discrete.ts';
export { parseSchedulerConfig, SD1_SCHEDULE, SchedulerConfigError, type NoiseScheduleConfig, type BetaSchedule } from './config.ts';
export { compVisModel, compVisScalings, cfgCombine, epsToDenoised, type UnetEps } from './model.ts';
export { linspaceF32 } from './linspace.ts';
export type * from './types.ts';
