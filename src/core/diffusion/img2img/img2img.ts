/**
 * A1111's img2img arithmetic (`sd_samplers_common.setup_img2img_steps`, the samplers' `sample_img2img`):
 * how many steps a denoising strength runs, which part of the schedule they walk, and the noised starting
 * latent. The hires fix's second pass is the same with its own steps. Spec: docs/img2img-hires.md §1–2.
 */
import { internalError, StudioError } from '../../errors.ts';
import { fl } from '../noise/f32math.ts';
import { ddimTimesteps } from '../schedulers/timesteps.ts';
import type { DiscreteSchedule } from '../schedulers/discrete.ts';
import type { ScheduleTypeId } from '../schedulers/schedule-types.ts';
import type { SamplerDef, SamplerPlan } from '../schedulers/types.ts';

export interface Img2imgSteps {
  /** Steps of the full schedule the run is cut from. */
  steps: number;
  /** A1111's t_enc: how far into that schedule the init latent is noised. */
  tEnc: number;
}

/**
 * `setup_img2img_steps`: by default `steps` stays and t_enc = int(min(strength, 0.999) * steps); with
 * "img2img_fix_steps" (off by default) or an explicit step count (the hires pass always gives one) the full
 * schedule grows to int(requested / min(strength, 0.999)) so that t_enc = requested - 1 steps run.
 */
export function img2imgSteps(steps: number, denoisingStrength: number, opts: { fixSteps?: boolean; explicitSteps?: number } = {}): Img2imgSteps {
  if (!(denoisingStrength >= 0 && denoisingStrength <= 1)) throw new StudioError('bad-request', `Denoising strength must be from 0 to 1 (got ${denoisingStrength}).`);
  const d = Math.min(denoisingStrength, 0.999);
  if (opts.fixSteps || opts.explicitSteps !== undefined) {
    const requested = opts.explicitSteps ?? steps;
    return { steps: denoisingStrength > 0 ? Math.trunc(requested / d) : 0, tEnc: requested - 1 };
  }
  return { steps, tEnc: Math.trunc(d * steps) };
}

export interface Img2imgPlan extends Img2imgSteps {
  plan: SamplerPlan;
  /** Timestep samplers: alphas_cumprod at timesteps[t_enc], the level the init latent is noised to. */
  alphaCumprod?: number;
  /** k-diffusion samplers: the full schedule (A1111 builds the Brownian tree over its whole range). */
  fullSigmas?: Float32Array;
}

/**
 * The plan of an img2img (or hires) pass: k-diffusion samplers walk sigmas[steps - t_enc - 1:] of the full
 * schedule; timestep samplers the first t_enc timesteps (UniPC from t_start = ts[-1]/1000 + 1/1000).
 */
export function img2imgPlan(
  def: SamplerDef,
  schedule: DiscreteSchedule,
  stepsInfo: Img2imgSteps,
  scheduleType: ScheduleTypeId = 'automatic',
): Img2imgPlan {
  const { steps, tEnc } = stepsInfo;
  if (steps < 1) throw new StudioError('bad-request', 'A denoising strength of 0 runs no steps: the init image would come back unchanged.');
  if (def.planTimesteps) {
    const ts = ddimTimesteps(steps, schedule.alphasCumprod.length);
    const sched = ts.slice(0, tEnc);
    const at = ts[tEnc];
    if (at === undefined) throw internalError(`t_enc ${tEnc} beyond ${ts.length} timesteps`);
    const last = sched[sched.length - 1];
    const start = last === undefined ? undefined : fl(fl(last / 1000) + fl(1 / 1000));
    const plan = def.meta.label === 'UniPC' ? def.planTimesteps(schedule, sched, start) : def.planTimesteps(schedule, sched);
    return { ...stepsInfo, plan, alphaCumprod: schedule.alphasCumprod[at] ?? NaN };
  }
  if (!def.planSigmas) throw internalError(`${def.meta.label} has no img2img plan`);
  const full = def.plan(schedule, steps, scheduleType).sigmas;
  const from = steps - tEnc - 1;
  if (from < 0 || from >= full.length - 1) throw internalError(`sigma index ${from} outside the schedule`);
  const plan = def.planSigmas(full.slice(from));
  return { ...stepsInfo, plan, fullSigmas: full };
}

/**
 * The starting latent: x + noise * sigma_sched[0] (k-diffusion, LCM), or x * sqrt(ac) + noise * sqrt(1 - ac)
 * (timestep samplers), in float32 as torch computes it.
 */
export function img2imgStart(p: Img2imgPlan, initLatent: Float32Array, noise: Float32Array): Float32Array {
  if (initLatent.length !== noise.length) throw internalError(`init latent ${initLatent.length} vs noise ${noise.length}`);
  const out = new Float32Array(noise.length);
  if (p.alphaCumprod !== undefined) {
    const a = fl(Math.sqrt(p.alphaCumprod));
    const b = fl(Math.sqrt(fl(1 - p.alphaCumprod)));
    for (let i = 0; i < out.length; i++) out[i] = fl((initLatent[i] ?? 0) * a) + fl((noise[i] ?? 0) * b);
    return out;
  }
  const s = p.plan.sigmas[0] ?? 0;
  for (let i = 0; i < out.length; i++) out[i] = (initLatent[i] ?? 0) + fl((noise[i] ?? 0) * s);
  return out;
}
