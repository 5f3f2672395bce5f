/** "Euler" = k-diffusion `sample_euler` with s_churn 0 (so sigma_hat = sigma_i): x += d * (sigma_{i+1} - sigma_i). */
import { kInitialLatent, kPlanner, sigmaAt } from './common.ts';
import { addScaled, fl, toD } from './f32.ts';
import { kMeta } from './meta.ts';
import type { SamplerDef } from './types.ts';

const meta = kMeta({ label: 'Euler', aliases: ['k_euler', 'sample_euler'], description: 'First-order ODE solver; deterministic.' });

export const euler: SamplerDef = {
  id: 'euler',
  meta,
  ...kPlanner(meta),
  initialLatent: kInitialLatent,
  createStepper(_schedule, plan) {
    return {
      plan,
      async step(x, i, { model }) {
        const [s, next] = sigmaAt(plan, i);
        const den = await model.denoise(x, s);
        return addScaled(x, toD(x, s, den), fl(next - s));
      },
    };
  },
};
