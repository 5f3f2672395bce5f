/**
 * "UniPC" as A1111 >= 1.6 runs it (`sd_samplers_timesteps_impl.unipc` over its copy of the UniPC reference
 * `uni_pc.py`): multistep UniPC (variant bh1, order 3, time-uniform skip, lower order at the end, data
 * prediction, no thresholding) on the VP form of the discrete schedule, calling the eps model at the fractional
 * timestep (t - 1/N) * 1000. K = len(A1111 timesteps) steps and K model calls; needs K >= 3. Spec:
 * samplers.md §6.
 */
import { internalError, StudioError } from '../../errors.ts';
import type { DiscreteSchedule } from './discrete.ts';
import { fl } from './f32.ts';
import { linspaceF32 } from './linspace.ts';
import { ddimTimesteps, timestepMeta } from './timesteps.ts';
import type { EpsFn, SamplerDef, SamplerPlan } from './types.ts';

export const UNIPC_ORDER = 3;

/** UniPC's NoiseScheduleVP('discrete') over float32 alphas_cumprod: log-alpha interpolated linearly in t. */
export class VpSchedule {
  readonly tArray: Float32Array;
  readonly logAlpha: Float32Array;

  constructor(alphasCumprod: Float32Array) {
    const n = alphasCumprod.length;
    this.tArray = linspaceF32(0, 1, n + 1).slice(1);
    this.logAlpha = alphasCumprod.map((a) => fl(0.5 * fl(Math.log(a))));
  }

  get totalN(): number {
    return this.logAlpha.length;
  }

  /** `interpolate_fn`: the segment around t (the end segments extend beyond the grid). */
  logMeanCoeff(t: number): number {
    const xp = this.tArray;
    const yp = this.logAlpha;
    let idx = 0;
    while (idx < xp.length && (xp[idx] ?? 0) < t) idx++;
    const j = Math.min(Math.max(idx - 1, 0), xp.length - 2);
    const sx = xp[j] ?? 0;
    const ex = xp[j + 1] ?? 0;
    const sy = yp[j] ?? 0;
    const ey = yp[j + 1] ?? 0;
    return fl(sy + fl(fl(fl(t - sx) * fl(ey - sy)) / fl(ex - sx)));
  }

  alpha(t: number): number {
    return fl(Math.exp(this.logMeanCoeff(t)));
  }

  std(t: number): number {
    return fl(Math.sqrt(fl(1 - fl(Math.exp(fl(2 * this.logMeanCoeff(t)))))));
  }

  lambda(t: number): number {
    const lmc = this.logMeanCoeff(t);
    return fl(lmc - fl(0.5 * fl(Math.log(fl(1 - fl(Math.exp(fl(2 * lmc))))))));
  }
}

/** Solves A y = b in float32 (Gaussian elimination with partial pivoting, as LAPACK's sgesv for n <= 3). */
export function solveF32(a: number[][], b: number[]): number[] {
  const n = b.length;
  const m = a.map((row) => row.map(fl));
  const y = b.map(fl);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r]![c]!) > Math.abs(m[p]![c]!)) p = r;
    [m[c], m[p]] = [m[p]!, m[c]!];
    [y[c], y[p]] = [y[p]!, y[c]!];
    const inv = fl(1 / m[c]![c]!);
    for (let r = c + 1; r < n; r++) {
      const l = fl(m[r]![c]! * inv);
      for (let k = c; k < n; k++) m[r]![k] = fl(m[r]![k]! - fl(l * m[c]![k]!));
      y[r] = fl(y[r]! - fl(l * y[c]!));
    }
  }
  for (let r = n - 1; r >= 0; r--) {
    let s = y[r]!;
    for (let k = r + 1; k < n; k++) s = fl(s - fl(m[r]![k]! * y[k]!));
    y[r] = fl(s / m[r]![r]!);
  }
  return y;
}

/** The continuous time grid: linspace(t_start, 1/N, K + 1) in float32. */
export function unipcTimes(plan: SamplerPlan, totalN: number): Float32Array {
  const k = plan.timesteps?.length ?? 0;
  return linspaceF32(plan.unipcStart ?? 1, 1 / totalN, k + 1);
}

function plan(schedule: DiscreteSchedule, steps: number): SamplerPlan {
  return unipcPlan(schedule, ddimTimesteps(steps, schedule.alphasCumprod.length));
}

/** A UniPC plan over A1111's timesteps (all of them, or img2img's first t_enc with `start`). */
export function unipcPlan(schedule: DiscreteSchedule, timesteps: Int32Array, start?: number): SamplerPlan {
  const k = timesteps.length;
  if (k < UNIPC_ORDER) throw new StudioError('bad-request', `UniPC needs at least ${UNIPC_ORDER} steps (A1111: "UniPC order must be < sampling steps").`);
  const p: SamplerPlan = { sigmas: new Float32Array(k + 1), steps: k, modelCalls: k, timesteps };
  if (start !== undefined) p.unipcStart = start;
  const vp = new VpSchedule(schedule.alphasCumprod);
  const ts = unipcTimes(p, vp.totalN);
  ts.forEach((t, i) => (p.sigmas[i] = fl(vp.std(t) / vp.alpha(t))));
  return p;
}

export const unipc: SamplerDef = {
  id: 'unipc',
  meta: timestepMeta({
    label: 'UniPC',
    aliases: ['unipc'],
    modelCalls: (n) => ddimTimesteps(n).length,
    description: 'UniPC (bh1, order 3) predictor-corrector on the DDIM timesteps; deterministic.',
  }),
  plan,
  planTimesteps: unipcPlan,
  initialLatent: (noise) => Float32Array.from(noise),
  createStepper(schedule, p) {
    const vp = new VpSchedule(schedule.alphasCumprod);
    const times = unipcTimes(p, vp.totalN);
    const k = times.length - 1;
    const inputT = (t: number): number => fl(fl(t - fl(1 / vp.totalN)) * 1000);
    let eps: EpsFn | undefined;
    /** UniPC's data_prediction_fn: x0 = (x - sigma_t * eps) / alpha_t */
    const modelFn = async (x: Float32Array, t: number): Promise<Float32Array> => {
      if (!eps) throw internalError('UniPC needs a timestep (eps) model');
      const noise = await eps(x, inputT(t));
      const st = vp.std(t);
      const at = vp.alpha(t);
      return x.map((v, i) => fl(fl(v - fl(st * (noise[i] ?? 0))) / at));
    };
    const models: Float32Array[] = [];
    const tPrev: number[] = [];

    /** multistep_uni_pc_bh_update (predict_x0, bh1); returns x_t and the corrector's model value (or null). */
    const update = async (x: Float32Array, t: number, order: number, useCorrector: boolean): Promise<[Float32Array, Float32Array | null]> => {
      const t0 = tPrev[tPrev.length - 1]!;
      const m0 = models[models.length - 1]!;
      const lambda0 = vp.lambda(t0);
      const h = fl(vp.lambda(t) - lambda0);
      const sigma0 = vp.std(t0);
      const sigmaT = vp.std(t);
      const alphaT = fl(Math.exp(vp.logMeanCoeff(t)));
      const rks: number[] = [];
      const d1s: Float32Array[] = [];
      for (let i = 1; i < order; i++) {
        const rk = fl(fl(vp.lambda(tPrev[tPrev.length - 1 - i]!) - lambda0) / h);
        const mi = models[models.length - 1 - i]!;
        rks.push(rk);
        d1s.push(mi.map((v, j) => fl(fl(v - (m0[j] ?? 0)) / rk)));
      }
      rks.push(1);
      const hh = -h;
      const hPhi1 = fl(Math.expm1(hh));
      let hPhiK = fl(fl(hPhi1 / hh) - 1);
      let factorial = 1;
      const bh = hh;
      const rows: number[][] = [];
      const b: number[] = [];
      for (let i = 1; i <= order; i++) {
        // torch.pow(rks, i - 1) with i - 1 <= 2: ones, the values, their squares
        rows.push(rks.map((r) => (i === 1 ? 1 : i === 2 ? r : fl(r * r))));
        b.push(fl(fl(hPhiK * factorial) / bh));
        factorial *= i + 1;
        hPhiK = fl(fl(hPhiK / hh) - fl(1 / factorial));
      }
      const ratio = fl(sigmaT / sigma0);
      const c1 = fl(alphaT * hPhi1);
      const base = x.map((v, j) => fl(fl(ratio * v) - fl(c1 * (m0[j] ?? 0))));
      const scaleB = fl(alphaT * bh);
      const mix = (rhos: number[], j: number): number => {
        let acc = 0;
        d1s.forEach((d, q) => (acc = q === 0 ? fl((rhos[q] ?? 0) * (d[j] ?? 0)) : fl(acc + fl((rhos[q] ?? 0) * (d[j] ?? 0)))));
        return acc;
      };
      let xt = base;
      if (d1s.length > 0) {
        const rhosP = order === 2 ? [0.5] : solveF32(rows.slice(0, -1).map((r) => r.slice(0, -1)), b.slice(0, -1));
        xt = base.map((v, j) => fl(v - fl(scaleB * mix(rhosP, j))));
      }
      if (!useCorrector) return [xt, null];
      const modelT = await modelFn(xt, t);
      const rhosC = order === 1 ? [0.5] : solveF32(rows, b);
      const last = rhosC[rhosC.length - 1] ?? 0;
      const out = base.map((v, j) => {
        const d1t = fl((modelT[j] ?? 0) - (m0[j] ?? 0));
        const corr = d1s.length > 0 ? fl(mix(rhosC, j) + fl(last * d1t)) : fl(last * d1t);
        return fl(v - fl(scaleB * corr));
      });
      return [out, modelT];
    };

    return {
      plan: p,
      async step(x, i, ctx) {
        eps = ctx.model.eps;
        if (i < 0 || i >= k) throw internalError(`step ${i} outside 0..${k - 1}`);
        if (i === 0) {
          models.push(await modelFn(x, times[0]!));
          tPrev.push(times[0]!);
        }
        const t = times[i + 1]!;
        if (i + 1 < UNIPC_ORDER) {
          const [xt, mx] = await update(x, t, i + 1, true);
          models.push(mx ?? (await modelFn(xt, t)));
          tPrev.push(t);
          return xt;
        }
        const step = i + 1;
        const order = Math.min(UNIPC_ORDER, k + 1 - step);
        const [xt, mx] = await update(x, t, order, step !== k);
        models.shift();
        tPrev.shift();
        tPrev.push(t);
        models.push(step < k ? (mx ?? (await modelFn(xt, t))) : (mx ?? new Float32Array(0)));
        return xt;
      },
    };
  },
};
