/**
 * The sampler contract. Samplers are pure numeric loops: everything that touches the U-Net, the RNG or the
 * UI comes in through callbacks, so the same code runs in the engine worker, in the Node CLI and in tests.
 */
import type { DiscreteSchedule } from './discrete.ts';
import type { ScheduleTypeId } from './schedule-types.ts';

/** k-diffusion model: the denoised latent (x0 estimate, after CFG) for latent `x` at noise level `sigma`. */
export type DenoiseFn = (x: Float32Array, sigma: number) => Promise<Float32Array>;
/** Timestep model (A1111's DDIM): the predicted noise (after CFG) for latent `x` at training timestep `t`. */
export type EpsFn = (x: Float32Array, t: number) => Promise<Float32Array>;
/** Next sampler noise draw, same length as the latent (ImageRng.next in the engine). */
export type NoiseFn = () => Float32Array;
/**
 * k-diffusion's `noise_sampler(sigma, sigma_next)`: the SDE samplers' noise for the step between two noise
 * levels (A1111: a Brownian tree per image). See brownian.ts.
 */
export type BrownianNoiseFn = (sigma: number, sigmaNext: number) => Float32Array;

export interface SamplerModel {
  denoise: DenoiseFn;
  /** Required by timestep samplers (DDIM, PLMS, UniPC) only. */
  eps?: EpsFn;
  /** Required by LCM only: A1111's LCMCompVisDenoiser over the same U-Net (model.ts). */
  lcmDenoise?: DenoiseFn;
}

/**
 * The noise levels a schedule is built from: k-diffusion's DiscreteSchedule (the 1000 training sigmas; LCM
 * has its own 50-entry table). Ascending `sigmas`, t <-> sigma maps and the model's own `get_sigmas(n)`.
 */
export interface SigmaTable {
  readonly sigmas: Float32Array;
  readonly sigmaMin: number;
  readonly sigmaMax: number;
  sigmaToT(sigma: number): number;
  tToSigma(t: number): number;
  /** `get_sigmas(n)` ("Uniform"). */
  uniformSigmas(steps: number): Float32Array;
}

/** How a sampler family walks the schedule (samplers.md §2, §6). */
export type SamplerFamily = 'k-diffusion' | 'timesteps' | 'lcm';

/** What a run of `steps` looks like, known before the first model call. */
export interface SamplerPlan {
  /**
   * Noise levels visited, N+1 values ending in 0. DDIM: sqrt((1-ac)/ac) of its timesteps, descending, then 0;
   * A1111's DDIM stops at the smallest timestep (ac[1]), so that 0 is never reached, and when 1000 % steps != 0
   * it has more timesteps than steps (e.g. 30 steps -> 31 timesteps, 30 model calls, 32 values).
   */
  sigmas: Float32Array;
  /** Number of `step` calls. */
  steps: number;
  /** Number of model evaluations (Heun: 2N-1, DDIM: steps-1 style loop length). */
  modelCalls: number;
  /** Timestep samplers only: training timesteps, ascending as A1111 builds them. */
  timesteps?: Int32Array;
  /** UniPC in img2img: A1111's t_start (timesteps[-1] / 1000 + 1 / 1000); undefined = 1. */
  unipcStart?: number;
  /** The schedule type the sigmas came from after resolving "Automatic" (undefined: the model's own). */
  scheduleType?: ScheduleTypeId;
}

export interface StepContext {
  model: SamplerModel;
  noise: NoiseFn;
  /** SDE samplers' noise; when absent they draw `noise()` instead (k-diffusion's default noise sampler). */
  brownian?: BrownianNoiseFn;
}

/** One sampler instance for one run: holds its multistep history between steps. */
export interface Stepper {
  readonly plan: SamplerPlan;
  /** Advance from step i to i+1; returns the new latent (inputs are never mutated). */
  step(x: Float32Array, i: number, ctx: StepContext): Promise<Float32Array>;
}

export interface SamplerMeta {
  /** A1111's name, shown in the UI and accepted by `--sampler`. */
  label: string;
  /** Other accepted spellings (k-diffusion function names, A1111 aliases). */
  aliases: readonly string[];
  family: SamplerFamily;
  /** A1111's `scheduler` option: what "Automatic" means for it (undefined: the model's uniform get_sigmas). */
  defaultSchedule?: ScheduleTypeId;
  /** A1111's `discard_next_to_last_sigma`: plan steps + 1 sigmas, then drop the penultimate. */
  discardPenultimateSigma?: boolean;
  /** Draws ancestral noise each step (results depend on the seed beyond the initial latent). */
  ancestral: boolean;
  /** A1111's `uses_ensd`: writes `ENSD` into the infotext when the delta is non-zero (and eta is). */
  usesEnsd: boolean;
  /** Noise from a Brownian tree (`BrownianNoiseFn`) rather than the image generator. */
  brownian: boolean;
  /** A1111's eta default for it (1 for k-diffusion ancestral/SDE samplers, 0 for DDIM). */
  etaDefault: number;
  defaultSteps: number;
  /** Model evaluations for `steps` steps. */
  modelCalls(steps: number): number;
  /** k-diffusion family: model evaluations of a plan over these sigmas. */
  callsFor?(sigmas: Float32Array): number;
  description: string;
}

export interface SamplerDef {
  id: string;
  meta: SamplerMeta;
  /** The plan for `steps` on schedule type `scheduleType` (default "Automatic"); see plan.ts. */
  plan(schedule: DiscreteSchedule, steps: number, scheduleType?: ScheduleTypeId): SamplerPlan;
  /** k-diffusion and LCM samplers: a plan over given sigmas (img2img's tail of the schedule). */
  planSigmas?(sigmas: Float32Array): SamplerPlan;
  /** Timestep samplers: a plan over given timesteps (img2img's first t_enc); `start` is UniPC's t_start. */
  planTimesteps?(schedule: DiscreteSchedule, timesteps: Int32Array, start?: number): SamplerPlan;
  /** Starting latent from the first noise draw (k-diffusion: noise * sigmas[0]; DDIM: the noise itself). */
  initialLatent(noise: Float32Array, plan: SamplerPlan): Float32Array;
  createStepper(schedule: DiscreteSchedule, plan: SamplerPlan): Stepper;
}
