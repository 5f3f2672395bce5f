/** Shared plumbing of the k-diffusion samplers (sigma-space, start from noise * sigmas[0]). */
import { internalError, StudioError } from '../../errors.ts';
import type { DiscreteSchedule } from './discrete.ts';
import { scale } from './f32.ts';
import { scheduleTypeById, type ScheduleTypeId } from './schedule-types.ts';
import type { SamplerDef, SamplerMeta, SamplerPlan, SigmaTable, StepContext } from './types.ts';

export function checkSteps(steps: number): void {
  if (!Number.isInteger(steps) || steps < 1 || steps > 10000) throw new StudioError('bad-request', `Steps must be a whole number from 1 to 10000 (got ${steps}).`);
}

/**
 * A1111 1.10 `KDiffusionSampler.get_sigmas`: "Automatic" becomes the sampler's default schedule (none: the
 * model's uniform `get_sigmas`); samplers that discard the penultimate sigma plan one step more and drop it.
 */
export function kSigmas(
  table: SigmaTable,
  meta: Pick<SamplerMeta, 'defaultSchedule' | 'discardPenultimateSigma'>,
  steps: number,
  scheduleType: ScheduleTypeId = 'automatic',
): { sigmas: Float32Array; scheduleType?: ScheduleTypeId } {
  checkSteps(steps);
  const discard = meta.discardPenultimateSigma === true;
  const n = steps + (discard ? 1 : 0);
  const id = scheduleType === 'automatic' ? meta.defaultSchedule : scheduleType;
  const fn = id ? scheduleTypeById(id).sigmas : null;
  let sigmas = fn ? fn(n, table) : table.uniformSigmas(n);
  if (discard && sigmas.length >= 2) {
    const kept = new Float32Array(sigmas.length - 1);
    kept.set(sigmas.subarray(0, sigmas.length - 2));
    kept[kept.length - 1] = sigmas[sigmas.length - 1] ?? 0;
    sigmas = kept;
  }
  return id ? { sigmas, scheduleType: id } : { sigmas };
}

/** A plan over given sigmas; `calls` counts model evaluations from them. */
export function sigmaPlan(sigmas: Float32Array, calls: (sigmas: Float32Array) => number, scheduleType?: ScheduleTypeId): SamplerPlan {
  const plan: SamplerPlan = { sigmas, steps: sigmas.length - 1, modelCalls: calls(sigmas) };
  if (scheduleType) plan.scheduleType = scheduleType;
  return plan;
}

/** One model call per step. */
export const oneCallPerStep = (sigmas: Float32Array): number => sigmas.length - 1;

/** Two model calls per step except where the next sigma is 0 (a plain Euler step). */
export const twoCallsUnlessLast = (sigmas: Float32Array): number => {
  let calls = 0;
  for (let i = 0; i + 1 < sigmas.length; i++) calls += sigmas[i + 1] === 0 ? 1 : 2;
  return calls;
};

/**
 * `plan` and `planSigmas` of a k-diffusion SamplerDef: kSigmas + sigmaPlan (over `tableOf(schedule)` when
 * given: LCM); model calls counted by `meta.callsFor` (one per step by default).
 */
export function kPlanner(meta: SamplerMeta, tableOf?: (s: DiscreteSchedule) => SigmaTable) {
  const calls = meta.callsFor ?? oneCallPerStep;
  return {
    plan: (schedule: DiscreteSchedule, steps: number, scheduleType: ScheduleTypeId = 'automatic'): SamplerPlan => {
      const { sigmas, scheduleType: used } = kSigmas(tableOf ? tableOf(schedule) : schedule, meta, steps, scheduleType);
      return sigmaPlan(sigmas, calls, used);
    },
    planSigmas: (sigmas: Float32Array): SamplerPlan => sigmaPlan(sigmas, calls),
  };
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

/** The next noise draw, checked against the latent's length. */
export function drawNoise(draw: () => Float32Array, length: number): Float32Array {
  const n = draw();
  if (n.length !== length) throw internalError(`noise length ${n.length} != latent length ${length}`);
  return n;
}

/** k-diffusion's noise_sampler(sigma, sigma_next): the Brownian noise if given, else the next draw. */
export function sdeNoise(ctx: { noise: () => Float32Array; brownian?: (s: number, n: number) => Float32Array }, s: number, next: number, length: number): Float32Array {
  return drawNoise(ctx.brownian ? () => ctx.brownian!(s, next) : ctx.noise, length);
}

/**
 * A k-diffusion sampler whose step needs only x, sigma_i, sigma_{i+1} and the step's context (no history across
 * steps): Euler, Heun, DPM2, the ancestral and single-step SDE samplers.
 */
export function kStepSampler(id: string, meta: SamplerMeta, step: (x: Float32Array, sigma: number, next: number, ctx: StepContext) => Promise<Float32Array>): SamplerDef {
  return {
    id,
    meta,
    ...kPlanner(meta),
    initialLatent: kInitialLatent,
    createStepper(_schedule, plan) {
      return {
        plan,
        step(x, i, ctx) {
          const [s, next] = sigmaAt(plan, i);
          return step(x, s, next, ctx);
        },
      };
    },
  };
}
