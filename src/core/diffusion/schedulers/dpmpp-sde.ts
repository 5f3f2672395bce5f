/**
 * "DPM++ SDE" = k-diffusion `sample_dpmpp_sde` (eta 1, s_noise 1, r 1/2): a stochastic DPM-Solver++ step with
 * two Brownian noise requests per step (to the midpoint and to sigma_{i+1}). A1111 1.10: Karras by default.
 */
import { kStepSampler, sdeNoise, twoCallsUnlessLast } from './common.ts';
import { sigmaOf, tOf } from './dpmpp2m.ts';
import { addAncestralNoise, ancestralStep } from './ancestral.ts';
import { addScaled, fl, linComb2, toD } from './f32.ts';
import { kMeta } from './meta.ts';
import type { SamplerDef } from './types.ts';

export function createDpmppSde(eta = 1, sNoise = 1, r = 0.5): SamplerDef {
  const meta = kMeta({
    label: 'DPM++ SDE',
    aliases: ['k_dpmpp_sde', 'sample_dpmpp_sde'],
    defaultSchedule: 'karras',
    ancestral: true,
    brownian: true,
    modelCalls: (n) => 2 * n - 1,
    callsFor: twoCallsUnlessLast,
    description: 'Stochastic DPM-Solver++ (two model calls per step) with Brownian-tree noise.',
  });
  const fac = 1 / (2 * r);
  return kStepSampler('dpmpp_sde', meta, async (x, s, next, ctx) => {
    const { model } = ctx;
    const den = await model.denoise(x, s);
    if (next === 0) return addScaled(x, toD(x, s, den), fl(next - s));
    const t = tOf(s);
    const tNext = tOf(next);
    const h = fl(tNext - t);
    const sMid = fl(t + fl(h * r));
    const sigT = sigmaOf(t);
    // step 1: to the midpoint, with noise
    const a1 = ancestralStep(sigT, sigmaOf(sMid), eta);
    const s1 = tOf(a1.sigmaDown);
    const x2 = linComb2(fl(sigmaOf(s1) / sigT), x, fl(Math.expm1(fl(t - s1))), den);
    addAncestralNoise(x2, sdeNoise(ctx, sigT, sigmaOf(sMid), x.length), sNoise, a1.sigmaUp);
    const den2 = await model.denoise(x2, sigmaOf(sMid));
    // step 2: the full step from the blend of both estimates, with noise
    const a2 = ancestralStep(sigT, sigmaOf(tNext), eta);
    const t2 = tOf(a2.sigmaDown);
    const blend = new Float32Array(den.length);
    const w1 = fl(1 - fac);
    const w2 = fl(fac);
    for (let k = 0; k < blend.length; k++) blend[k] = fl((den[k] ?? 0) * w1) + fl((den2[k] ?? 0) * w2);
    const out = linComb2(fl(sigmaOf(t2) / sigT), x, fl(Math.expm1(fl(t - t2))), blend);
    return addAncestralNoise(out, sdeNoise(ctx, sigT, sigmaOf(tNext), x.length), sNoise, a2.sigmaUp);
  });
}

export const dpmppSde: SamplerDef = createDpmppSde();
