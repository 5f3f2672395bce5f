/**
 * "DPM++ 2M SDE" (midpoint), "DPM++ 2M SDE Heun" and "DPM++ 3M SDE" = k-diffusion `sample_dpmpp_2m_sde` /
 * `sample_dpmpp_3m_sde` (eta 1, s_noise 1): multistep DPM-Solver++ with Brownian noise once per step; the last
 * step (sigma_{i+1} = 0) returns the denoised latent. A1111 1.10: Exponential schedule by default; 3M SDE also
 * discards the penultimate sigma.
 */
import { kInitialLatent, kPlanner, sdeNoise, sigmaAt } from './common.ts';
import { fl } from './f32.ts';
import { kMeta } from './meta.ts';
import type { SamplerDef, StepContext } from './types.ts';

/** x + noise * sigma_next * sqrt(-expm1(arg)) * s_noise, in k-diffusion's order of operations (in place). */
function addSdeNoise(x: Float32Array, ctx: StepContext, s: number, next: number, arg: number, sNoise: number): void {
  const n = sdeNoise(ctx, s, next, x.length);
  const amp = fl(Math.sqrt(-fl(Math.expm1(arg))));
  const sn = fl(sNoise);
  for (let k = 0; k < x.length; k++) x[k] = (x[k] ?? 0) + fl(fl(fl((n[k] ?? 0) * next) * amp) * sn);
}

/** a * x + b * d elementwise, each product rounded, then the sum (`a * x + b * d` with 0-dim a, b). */
function axpby(a: number, x: Float32Array, b: number, d: Float32Array): Float32Array {
  const out = new Float32Array(x.length);
  for (let k = 0; k < x.length; k++) out[k] = fl((x[k] ?? 0) * a) + fl((d[k] ?? 0) * b);
  return out;
}

export function createDpmpp2mSde(solver: 'midpoint' | 'heun', eta = 1, sNoise = 1): SamplerDef {
  const heun = solver === 'heun';
  const meta = kMeta({
    label: heun ? 'DPM++ 2M SDE Heun' : 'DPM++ 2M SDE',
    aliases: heun ? ['k_dpmpp_2m_sde_heun'] : ['k_dpmpp_2m_sde', 'sample_dpmpp_2m_sde'],
    defaultSchedule: 'exponential',
    ancestral: true,
    brownian: true,
    description: `DPM-Solver++(2M) SDE (${solver} correction) with Brownian-tree noise.`,
  });
  return {
    id: heun ? 'dpmpp_2m_sde_heun' : 'dpmpp_2m_sde',
    meta,
    ...kPlanner(meta),
    initialLatent: kInitialLatent,
    createStepper(_schedule, plan) {
      let old: Float32Array | null = null;
      let hLast = 0;
      return {
        plan,
        async step(x, i, ctx) {
          const [s, next] = sigmaAt(plan, i);
          const den = await ctx.model.denoise(x, s);
          if (next === 0) {
            old = den;
            return Float32Array.from(den);
          }
          const t = -fl(Math.log(s));
          const h = fl(-fl(Math.log(next)) - t);
          const etaH = fl(eta * h);
          const negHEta = fl(-h - etaH);
          const phi = -fl(Math.expm1(negHEta));
          const out = axpby(fl(fl(next / s) * fl(Math.exp(-etaH))), x, phi, den);
          if (old !== null) {
            const invR = fl(1 / fl(hLast / h));
            const coef = heun ? fl(fl(fl(phi / negHEta) + 1) * invR) : fl(fl(0.5 * phi) * invR);
            for (let k = 0; k < out.length; k++) out[k] = (out[k] ?? 0) + fl(coef * fl((den[k] ?? 0) - (old[k] ?? 0)));
          }
          if (eta) addSdeNoise(out, ctx, s, next, fl(-2 * etaH), sNoise);
          old = den;
          hLast = h;
          return out;
        },
      };
    },
  };
}

export const dpmpp2mSde: SamplerDef = createDpmpp2mSde('midpoint');
export const dpmpp2mSdeHeun: SamplerDef = createDpmpp2mSde('heun');

export function createDpmpp3mSde(eta = 1, sNoise = 1): SamplerDef {
  const meta = kMeta({
    label: 'DPM++ 3M SDE',
    aliases: ['k_dpmpp_3m_sde', 'sample_dpmpp_3m_sde'],
    defaultSchedule: 'exponential',
    discardPenultimateSigma: true,
    ancestral: true,
    brownian: true,
    description: 'DPM-Solver++(3M) SDE with Brownian-tree noise.',
  });
  return {
    id: 'dpmpp_3m_sde',
    meta,
    ...kPlanner(meta),
    initialLatent: kInitialLatent,
    createStepper(_schedule, plan) {
      let den1: Float32Array | null = null;
      let den2: Float32Array | null = null;
      let h1: number | null = null;
      let h2: number | null = null;
      return {
        plan,
        async step(x, i, ctx) {
          const [s, next] = sigmaAt(plan, i);
          const den = await ctx.model.denoise(x, s);
          let out: Float32Array;
          let h = h1 ?? 0;
          if (next === 0) {
            out = Float32Array.from(den);
          } else {
            const t = -fl(Math.log(s));
            h = fl(-fl(Math.log(next)) - t);
            const hEta = fl(h * fl(eta + 1));
            out = axpby(fl(Math.exp(-hEta)), x, -fl(Math.expm1(-hEta)), den);
            const phi2 = fl(fl(fl(Math.expm1(-hEta)) / hEta) + 1);
            if (h2 !== null && h1 !== null && den1 && den2) {
              const r0 = fl(h1 / h);
              const r1 = fl(h2 / h);
              const r01 = fl(r0 + r1);
              const phi3 = fl(fl(phi2 / hEta) - 0.5);
              for (let k = 0; k < out.length; k++) {
                const d10 = fl(fl((den[k] ?? 0) - (den1[k] ?? 0)) / r0);
                const d11 = fl(fl((den1[k] ?? 0) - (den2[k] ?? 0)) / r1);
                const diff = fl(d10 - d11);
                const d1 = fl(d10 + fl(fl(diff * r0) / r01));
                const d2 = fl(diff / r01);
                out[k] = fl((out[k] ?? 0) + fl(phi2 * d1)) - fl(phi3 * d2);
              }
            } else if (h1 !== null && den1) {
              const r = fl(h1 / h);
              for (let k = 0; k < out.length; k++) out[k] = (out[k] ?? 0) + fl(phi2 * fl(fl((den[k] ?? 0) - (den1[k] ?? 0)) / r));
            }
            if (eta) addSdeNoise(out, ctx, s, next, fl(fl(-2 * h) * eta), sNoise);
          }
          den2 = den1;
          den1 = den;
          h2 = h1;
          h1 = h;
          return out;
        },
      };
    },
  };
}

export const dpmpp3mSde: SamplerDef = createDpmpp3mSde();
