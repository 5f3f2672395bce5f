/** "Heun" = k-diffusion `sample_heun` (s_churn 0): trapezoid correction, plain Euler on the last step (2N-1 calls). */
import { kStepSampler, twoCallsUnlessLast } from './common.ts';
import { addScaled, fl, toD } from './f32.ts';
import { kMeta } from './meta.ts';
import type { SamplerDef } from './types.ts';

const meta = kMeta({
  label: 'Heun',
  aliases: ['k_heun', 'sample_heun'],
  modelCalls: (n) => 2 * n - 1,
  callsFor: twoCallsUnlessLast,
  description: 'Second-order ODE solver; two model calls per step except the last.',
});

export const heun: SamplerDef = kStepSampler('heun', meta, async (x, s, next, { model }) => {
  const d = toD(x, s, await model.denoise(x, s));
  const dt = fl(next - s);
  if (next === 0) return addScaled(x, d, dt);
  const x2 = addScaled(x, d, dt);
  const d2 = toD(x2, next, await model.denoise(x2, next));
  const dPrime = new Float32Array(d.length);
  for (let k = 0; k < d.length; k++) dPrime[k] = fl((d[k] ?? 0) + (d2[k] ?? 0)) / 2;
  return addScaled(x, dPrime, dt);
});
