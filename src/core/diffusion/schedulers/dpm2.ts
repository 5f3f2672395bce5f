/**
 * "DPM2" = k-diffusion `sample_dpm_2` (s_churn 0) and "DPM2 a" = `sample_dpm_2_ancestral` (eta 1): a midpoint
 * step in log-sigma; both discard the penultimate sigma and default to the Karras schedule in A1111 1.10.
 */
import { ancestralSampler } from './ancestral.ts';
import { kStepSampler, twoCallsUnlessLast } from './common.ts';
import { addScaled, fl, toD } from './f32.ts';
import { kMeta } from './meta.ts';
import type { SamplerDef, SamplerModel } from './types.ts';

/** exp(lerp(ln a, ln b, 0.5)) as torch computes it (weight 0.5 takes lerp's `end - (end - start) * 0.5`). */
export function logMidpoint(a: number, b: number): number {
  const la = fl(Math.log(a));
  const lb = fl(Math.log(b));
  return fl(Math.exp(fl(lb - fl(fl(lb - la) * 0.5))));
}

/** x + d * (to - from) where d is the derivative at the log-midpoint reached from x with derivative d0. */
async function midpointStep(model: SamplerModel, x: Float32Array, d0: Float32Array, from: number, to: number): Promise<Float32Array> {
  const mid = logMidpoint(from, to);
  const x2 = addScaled(x, d0, fl(mid - from));
  const d2 = toD(x2, mid, await model.denoise(x2, mid));
  return addScaled(x, d2, fl(to - from));
}

const dpm2Meta = kMeta({
  label: 'DPM2',
  aliases: ['k_dpm_2', 'sample_dpm_2'],
  defaultSchedule: 'karras',
  discardPenultimateSigma: true,
  modelCalls: (n) => 2 * n - 1,
  callsFor: twoCallsUnlessLast,
  description: 'DPM-Solver-2 (midpoint in log sigma); deterministic, two model calls per step except the last.',
});

export const dpm2: SamplerDef = kStepSampler('dpm_2', dpm2Meta, async (x, s, next, { model }) => {
  const d = toD(x, s, await model.denoise(x, s));
  if (next === 0) return addScaled(x, d, fl(next - s));
  return midpointStep(model, x, d, s, next);
});

export function createDpm2Ancestral(eta = 1, sNoise = 1): SamplerDef {
  const meta = kMeta({
    label: 'DPM2 a',
    aliases: ['k_dpm_2_a', 'sample_dpm_2_ancestral'],
    defaultSchedule: 'karras',
    discardPenultimateSigma: true,
    ancestral: true,
    usesEnsd: true,
    modelCalls: (n) => 2 * n - 1,
    callsFor: twoCallsUnlessLast,
    description: 'DPM2 with ancestral noise from the seed generator.',
  });
  return ancestralSampler('dpm_2_a', meta, eta, sNoise, {
    down: (model, x, den, sigma, sigmaDown) => midpointStep(model, x, toD(x, sigma, den), sigma, sigmaDown),
    noiseWhen: 'down',
  });
}

export const dpm2Ancestral: SamplerDef = createDpm2Ancestral();
