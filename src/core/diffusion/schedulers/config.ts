/**
 * The part of a diffusers `scheduler/scheduler_config.json` that defines the training noise schedule.
 * Why only these keys: A1111 samples SD 1.x with k-diffusion over the CompVis schedule, which depends on the
 * betas alone; diffusers' own timestep-spacing options do not apply to A1111's samplers.
 */
import { StudioError } from '../../errors.ts';

export type BetaSchedule = 'scaled_linear' | 'linear';

export interface NoiseScheduleConfig {
  betaStart: number;
  betaEnd: number;
  betaSchedule: BetaSchedule;
  numTrainTimesteps: number;
  /** eps (SD 1.x, SD 2.x 512) or v (SD 2.x 768-v): k-diffusion's CompVisDenoiser vs CompVisVDenoiser. */
  predictionType: PredictionType;
}

export type PredictionType = 'epsilon' | 'v_prediction';

/** SD 1.x (CompVis v1-inference.yaml: linear_start 0.00085, linear_end 0.012, 1000 steps). */
export const SD1_SCHEDULE: NoiseScheduleConfig = {
  betaStart: 0.00085,
  betaEnd: 0.012,
  betaSchedule: 'scaled_linear',
  numTrainTimesteps: 1000,
  predictionType: 'epsilon',
};

/** A malformed scheduler_config.json: a `bad-model-folder` error of the model that holds it. */
export class SchedulerConfigError extends StudioError {
  constructor(message: string) {
    super('bad-model-folder', message);
  }
}

/** Training steps a schedule may have: SD uses 1000; each one is a sigma in every table built from it. */
export const MAX_TRAIN_TIMESTEPS = 100_000;

function num(raw: Record<string, unknown>, key: string, fallback: number): number {
  const v = raw[key];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new SchedulerConfigError(`${key} must be a number`);
  return v;
}

/** Parse a scheduler_config.json (already JSON.parse'd or as text); missing keys take SD 1.x values. */
export function parseSchedulerConfig(input: string | Record<string, unknown>): NoiseScheduleConfig {
  let raw: unknown = input;
  if (typeof input === 'string') {
    try {
      raw = JSON.parse(input);
    } catch (e) {
      throw new SchedulerConfigError(`not JSON (${(e as Error).message})`);
    }
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new SchedulerConfigError('not a JSON object');
  const obj = raw as Record<string, unknown>;
  const betaSchedule = obj['beta_schedule'] ?? 'scaled_linear';
  if (betaSchedule !== 'scaled_linear' && betaSchedule !== 'linear') {
    throw new SchedulerConfigError(`unsupported beta_schedule ${JSON.stringify(betaSchedule)}`);
  }
  const prediction = obj['prediction_type'] ?? 'epsilon';
  if (prediction !== 'epsilon' && prediction !== 'v_prediction') {
    throw new SchedulerConfigError(`unsupported prediction_type ${JSON.stringify(prediction)} (epsilon and v_prediction are)`);
  }
  if (obj['trained_betas'] !== undefined && obj['trained_betas'] !== null) {
    throw new SchedulerConfigError('trained_betas is not supported');
  }
  const cfg: NoiseScheduleConfig = {
    betaStart: num(obj, 'beta_start', SD1_SCHEDULE.betaStart),
    betaEnd: num(obj, 'beta_end', SD1_SCHEDULE.betaEnd),
    betaSchedule,
    numTrainTimesteps: num(obj, 'num_train_timesteps', SD1_SCHEDULE.numTrainTimesteps),
    predictionType: prediction,
  };
  if (!Number.isInteger(cfg.numTrainTimesteps) || cfg.numTrainTimesteps < 2 || cfg.numTrainTimesteps > MAX_TRAIN_TIMESTEPS) {
    throw new SchedulerConfigError(`num_train_timesteps must be a whole number from 2 to ${MAX_TRAIN_TIMESTEPS} (got ${cfg.numTrainTimesteps})`);
  }
  if (!(cfg.betaStart > 0 && cfg.betaStart < 1 && cfg.betaEnd > 0 && cfg.betaEnd < 1)) throw new SchedulerConfigError('betas out of range');
  return cfg;
}
