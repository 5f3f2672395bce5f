/** "Euler" = k-diffusion `sample_euler` with s_churn 0 (so sigma_hat = sigma_i): x += d * (sigma_{i+1} - sigma_i). */
import { kStepSampler } from './common.ts';
import { addScaled, fl, toD } from './f32.ts';
import { kMeta } from './meta.ts';
import type { SamplerDef } from './types.ts';

const meta = kMeta({ label: 'Euler', aliases: ['k_euler', 'sample_euler'], description: 'First-order ODE solver; deterministic.' });

export const euler: SamplerDef = kStepSampler('euler', meta, async (x, s, next, { model }) => addScaled(x, toD(x, s, await model.denoise(x, s)), fl(next - s)));
