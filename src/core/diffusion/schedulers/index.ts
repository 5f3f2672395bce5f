/**
 * The samplers' public surface: the registry (registry.ts), schedule types, plans and the sampling loop.
 */
import type { DiscreteSchedule } from './discrete.ts';
import { getScheduleType, type ScheduleTypeId } from './schedule-types.ts';
import type { BrownianNoiseFn, NoiseFn, SamplerDef, SamplerModel, SamplerPlan } from './types.ts';

export { SAMPLERS, DEFAULT_SAMPLER, samplerLabels, findSampler, getSampler } from './registry.ts';

export interface RunOptions {
  schedule: DiscreteSchedule;
  steps: number;
  /** A1111 "Schedule type" label or id; default "Automatic" (the sampler's own). */
  scheduleType?: string;
  /** A precomputed plan (custom sigmas, img2img: img2img.ts); default def.plan(schedule, steps, type). */
  plan?: SamplerPlan;
  /** First noise draw (ImageRng.next() #1), [B, C, H, W] flattened. */
  noise: Float32Array;
  /** The starting latent instead of def.initialLatent(noise, plan) (img2img: img2imgStart). */
  initialLatent?: Float32Array;
  model: SamplerModel;
  /** Later noise draws (ImageRng.next()), used by ancestral samplers, DDIM and LCM. */
  nextNoise: NoiseFn;
  /** The SDE samplers' Brownian noise (brownian.ts); without it they draw `nextNoise()`. */
  brownian?: BrownianNoiseFn;
  /** Called after each step with the new latent; throw (e.g. an abort) to stop between steps. */
  onStep?: (info: { step: number; steps: number; x: Float32Array; plan: SamplerPlan }) => void | Promise<void>;
}

/** The plan `runSampler` follows for these options. */
export function planFor(def: SamplerDef, opts: Pick<RunOptions, 'schedule' | 'steps' | 'scheduleType' | 'plan'>): SamplerPlan {
  const type: ScheduleTypeId = opts.scheduleType === undefined ? 'automatic' : getScheduleType(opts.scheduleType).id;
  return opts.plan ?? def.plan(opts.schedule, opts.steps, type);
}

/** Run a whole sampling loop; returns the final latent. */
export async function runSampler(def: SamplerDef, opts: RunOptions): Promise<Float32Array> {
  const plan = planFor(def, opts);
  const stepper = def.createStepper(opts.schedule, plan);
  let x = opts.initialLatent ? Float32Array.from(opts.initialLatent) : def.initialLatent(opts.noise, plan);
  const ctx = opts.brownian ? { model: opts.model, noise: opts.nextNoise, brownian: opts.brownian } : { model: opts.model, noise: opts.nextNoise };
  for (let i = 0; i < plan.steps; i++) {
    x = await stepper.step(x, i, ctx);
    await opts.onStep?.({ step: i + 1, steps: plan.steps, x, plan });
  }
  return x;
}

export { ddim, ddimTimesteps, createDdim } from './ddim.ts';
export { dpm2, dpm2Ancestral, createDpm2Ancestral } from './dpm2.ts';
export { dpmpp2m, createDpmpp2m } from './dpmpp2m.ts';
export { dpmpp2mSde, dpmpp2mSdeHeun, dpmpp3mSde, createDpmpp2mSde, createDpmpp3mSde } from './dpmpp-multistep-sde.ts';
export { dpmppSde, createDpmppSde } from './dpmpp-sde.ts';
export { dpmpp2sAncestral, createDpmpp2sAncestral } from './dpmpp2s-ancestral.ts';
export { euler } from './euler.ts';
export { eulerAncestral, createEulerAncestral } from './euler-ancestral.ts';
export { ancestralStep } from './ancestral.ts';
export { heun } from './heun.ts';
export { lcm, LcmTable, lcmTable } from './lcm.ts';
export { lms, createLms, lmsCoefficient } from './lms.ts';
export { plms } from './plms.ts';
export { unipc, unipcPlan, VpSchedule } from './unipc.ts';
export { timestepPlan } from './timesteps.ts';
export { kSigmas } from './common.ts';
export { resolveSamplerName, withDefaultSchedule, type SamplerChoice } from './names.ts';
export {
  SCHEDULE_TYPES,
  DEFAULT_SCHEDULE_TYPE,
  findScheduleType,
  getScheduleType,
  scheduleTypeLabels,
  type ScheduleTypeDef,
  type ScheduleTypeId,
} from './schedule-types.ts';
export { infotextEnsd, infotextScheduleType, samplingPlan, type SamplingPlan } from './plan.ts';
export { createBrownianNoise, brownianRange, type BrownianNoiseOptions } from './brownian.ts';
export { DiscreteSchedule } from './discrete.ts';
export { parseSchedulerConfig, SD1_SCHEDULE, SchedulerConfigError, type NoiseScheduleConfig, type BetaSchedule, type PredictionType } from './config.ts';
export { compVisModel, compVisScalings, vScalings, cfgCombine, epsToDenoised, vToDenoised, vToEps, type UnetEps } from './model.ts';
export { linspaceF32 } from './linspace.ts';
export type * from './types.ts';
