/**
 * The sampler contract. Samplers are pure numeric loops: everything that touches the U-Net, the RNG or the
 * UI comes in through callbacks, so the same code runs in the engine worker, in the Node CLI and in tests.
 */
import type { DiscreteSchedule } from './discrete.ts';

/** k-diffusion model: the denoised latent (x0 estimate, after CFG) for latent `x` at noise level `sigma`. */
export type DenoiseFn = (x: Float32Array, sigma: number) => Promise<Float32Array>;
/** Timestep model (A1111's DDIM): the predicted noise (after CFG) for latent `x` at training timestep `t`. */
export type EpsFn = (x: Float32Array, t: number) => Promise<Float32Array>;
/** Next sampler noise draw, same length as the latent (ImageRng.next in the engine). */
export type NoiseFn = () => Float32Array;

export interface SamplerModel {
  denoise: DenoiseFn;
  /** Required by timestep samplers (DDIM) only. */
  eps?: EpsFn;
}

export type ScheduleKind = 'uniform' | 'karras' | 'ddim';

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
  /** DDIM only: training timesteps, ascending as A1111 builds them. */
  timesteps?: Int32Array;
}

export interface StepContext {
  model: SamplerModel;
  noise: NoiseFn;
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
  schedule: ScheduleKind;
  /** Draws ancestral noise each step (results depend on the seed beyond the initial latent). */
  ancestral: boolean;
  defaultSteps: number;
  /** Model evaluations for `steps` steps. */
  modelCalls(steps: number): number;
  description: string;
}

export interface SamplerDef {
  id: string;
  meta: SamplerMeta;
  plan(schedule: DiscreteSchedule, steps: number): SamplerPlan;
  /** Starting latent from the first noise draw (k-diffusion: noise * sigmas[0]; DDIM: the noise itself). */
  initialLatent(noise: Float32Array, plan: SamplerPlan): Float32Array;
  createStepper(schedule: DiscreteSchedule, plan: SamplerPlan): Stepper;
}
