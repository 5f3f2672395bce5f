import { describe, expect, it } from 'vitest';
import { loadRef } from '../../../../test/reference/diffusion/load.ts';
import { TorchGenerator } from '../noise/index.ts';
import { f32Bits } from '../noise/f32math.ts';
import {
  compVisModel,
  ddimTimesteps,
  DiscreteSchedule,
  findSampler,
  getSampler,
  linspaceF32,
  parseSchedulerConfig,
  runSampler,
  SAMPLERS,
  SchedulerConfigError,
} from './index.ts';
// the fake U-Net of samplers.md §4 (eps = 0.1·x_in + 0.01·t/1000 + c, float32) and the error measures
import { fakeUnet, maxRel, scaledErr } from '../../../../test/support/fake-unet.ts';


const hex = (a: ArrayLike<number>) => Array.from(a, (v) => f32Bits(v).toString(16).padStart(8, '0'));
const S = new DiscreteSchedule();

const SD15_SCHEDULER_CONFIG = `{
  "_class_name": "PNDMScheduler", "_diffusers_version": "0.6.0", "beta_end": 0.012, "beta_schedule": "scaled_linear",
  "beta_start": 0.00085, "num_train_timesteps": 1000, "set_alpha_to_one": false, "skip_prk_steps": true,
  "steps_offset": 1, "trained_betas": null, "clip_sample": false
}`;

describe('scheduler_config.json', () => {
  it('reads the SD 1.5 diffusers config', () => {
    expect(parseSchedulerConfig(SD15_SCHEDULER_CONFIG)).toEqual({
      betaStart: 0.00085,
      betaEnd: 0.012,
      betaSchedule: 'scaled_linear',
      numTrainTimesteps: 1000,
      predictionType: 'epsilon',
    });
  });
  it('rejects what A1111 SD1 sampling cannot express', () => {
    expect(() => parseSchedulerConfig({ beta_schedule: 'squaredcos_cap_v2' })).toThrow(SchedulerConfigError);
    expect(() => parseSchedulerConfig({ prediction_type: 'sample' })).toThrow(SchedulerConfigError);
    expect(() => parseSchedulerConfig('[]')).toThrow(SchedulerConfigError);
    expect(() => parseSchedulerConfig({ beta_start: 'x' })).toThrow(SchedulerConfigError);
    expect(() => parseSchedulerConfig('{"beta_start": 0.1,')).toThrow(SchedulerConfigError);
    // the model folder is at fault: a StudioError the UI and the CLI report with its code
    expect(() => parseSchedulerConfig('{oops')).toThrow(expect.objectContaining({ name: 'StudioError', code: 'bad-model-folder' }));
  });
  it("'linear' uses the betas directly (diffusers), 'scaled_linear' squares a linspace of square roots", () => {
    const lin = new DiscreteSchedule(parseSchedulerConfig({ beta_schedule: 'linear', beta_start: 0.0001, beta_end: 0.02 }));
    expect(lin.alphasCumprod[0]).toBe(Math.fround(1 - 0.0001));
    expect(S.alphasCumprod[0]).toBe(Math.fround(1 - 0.00085));
  });
});

interface ScheduleRef {
  alphas_cumprod: number[];
  sigmas: number[];
  log_sigmas: number[];
  uniform: Record<string, number[]>;
  karras: Record<string, number[]>;
  uniform_v2: Record<string, number[]>;
  karras_v2: Record<string, number[]>;
  sigma_to_t: Record<string, { uniform: number[]; karras: number[] }>;
  ddim: Record<string, { timesteps: number[]; alphas: number[] }>;
  t_to_sigma: { t: number[]; sigma: number[] };
  sigma_to_t_probe: { sigma: number[]; t: number[] };
}

describe('discrete schedule vs PyTorch (schedule.json)', () => {
  const ref = loadRef<ScheduleRef>('schedule.json');

  it('alphas_cumprod and sigmas are bit-exact, log-sigmas within 1 ulp', () => {
    expect(Array.from(S.alphasCumprod)).toEqual(ref.alphas_cumprod);
    expect(Array.from(S.sigmas)).toEqual(ref.sigmas);
    expect(maxRel(S.logSigmas, ref.log_sigmas)).toBeLessThan(2.4e-7);
    expect(hex([S.sigmaMin, S.sigmaMax])).toEqual(['3ceef0c0', '4169d593']); // samplers.md §1
  });

  it('uniform and Karras sigmas within 1e-6 relative for 1…50 steps (torch 1.13 linspace)', () => {
    for (const n of Object.keys(ref.uniform)) {
      expect(maxRel(S.uniformSigmas(Number(n)), ref.uniform[n] ?? []), `uniform ${n}`).toBeLessThan(1e-6);
      expect(maxRel(S.karrasSigmas(Number(n)), ref.karras[n] ?? []), `karras ${n}`).toBeLessThan(1e-6);
    }
  });

  it('with torch 2.x linspace: uniform within 4 ulp (exp/log libm vs SLEEF), Karras within 1 ulp', () => {
    for (const n of Object.keys(ref.uniform_v2)) {
      expect(maxRel(S.uniformSigmas(Number(n)), ref.uniform_v2[n] ?? []), `uniform ${n}`).toBeLessThan(2.5e-7);
      expect(maxRel(S.karrasSigmas(Number(n)), ref.karras_v2[n] ?? []), `karras ${n}`).toBeLessThan(1.2e-7);
    }
  });

  it('matches the 10-step tables of samplers.md §4 bit for bit', () => {
    expect(hex(S.uniformSigmas(10))).toEqual(
      '4169d594 40fae052 40937e5b 403ac58b 3ff99ee4 3fac2698 3f6eaf03 3f1ffe7d 3ebcc0b6 3ceef0c2 00000000'.split(' '),
    );
    expect(hex(S.karrasSigmas(10))).toEqual(
      '4169d594 4111a59e 40af4f0c 404aca7f 3fdfed1b 3f6a00ec 3ee4d2d0 3e4e3bc2 3da7c0ff 3ceef0c3 00000000'.split(' '),
    );
    const kt = Array.from(S.karrasSigmas(10).slice(0, -1), (s) => S.sigmaToT(s));
    // the doc prints these to 4-7 significant digits
    expect(maxRel(kt, [999, 916.284, 815.045, 687.1532, 523.1992, 327.1474, 145.9392, 40.857, 6.7325, 0])).toBeLessThan(1e-5);
  });

  it('sigma_to_t gives the fractional timesteps A1111 feeds the U-Net', () => {
    for (const n of Object.keys(ref.sigma_to_t)) {
      const r = ref.sigma_to_t[n];
      const u = Array.from(ref.uniform[n] ?? [], (s) => S.sigmaToT(s)).slice(0, -1);
      const k = Array.from(ref.karras[n] ?? [], (s) => S.sigmaToT(s)).slice(0, -1);
      expect(maxRel(u, r?.uniform ?? []), `uniform ${n}`).toBeLessThan(1e-6);
      expect(maxRel(k, r?.karras ?? []), `karras ${n}`).toBeLessThan(1e-6);
    }
    expect(maxRel(ref.sigma_to_t_probe.sigma.map((s) => S.sigmaToT(s)), ref.sigma_to_t_probe.t)).toBeLessThan(1e-6);
    expect(maxRel(ref.t_to_sigma.t.map((t) => S.tToSigma(t)), ref.t_to_sigma.sigma)).toBeLessThan(1e-6);
    expect(S.sigmaToT(S.sigmas[500] ?? 0, true)).toBe(500);
  });

  it('DDIM timesteps and alphas as A1111 builds them', () => {
    for (const n of Object.keys(ref.ddim)) {
      const ts = ddimTimesteps(Number(n));
      expect(Array.from(ts), `ddim ${n}`).toEqual(ref.ddim[n]?.timesteps);
      expect(Array.from(ts, (t) => S.alphasCumprod[t])).toEqual(ref.ddim[n]?.alphas);
    }
  });

  it('float32 linspace follows torch (per-element rule)', () => {
    expect(Array.from(linspaceF32(999, 0, 10))).toEqual([999, 888, 777, 666, 555, 444, 333, 222, 111, 0]);
    expect(Array.from(linspaceF32(0, 1, 1))).toEqual([0]);
    expect(linspaceF32(0, 1, 0).length).toBe(0);
  });
});

// ------------------------------------------------------------------------------------------ trajectories
interface SamplerRef {
  configs: {
    name: string;
    seeds: number[];
    shape: number[];
    steps: number;
    cfg: number | null;
    runs: Record<string, { calls: number; steps: number[][]; sigmas: number[] | null }>;
  }[];
}

const REF_IDS: Record<string, string> = {
  euler: 'Euler',
  euler_a: 'Euler a',
  heun: 'Heun',
  lms: 'LMS',
  // A1111 1.6–1.8 names: "DPM++ 2M" was the uniform schedule (1.9+: "DPM++ 2M" + Uniform)
  dpmpp_2m: 'DPM++ 2M Uniform',
  dpmpp_2m_karras: 'DPM++ 2M Karras',
  ddim: 'DDIM',
};

async function trajectory(label: string, seeds: number[], shape: number[], steps: number, cfg: number | null, sigmas?: number[]) {
  const gens = seeds.map((s) => new TorchGenerator(s));
  const draw = () => {
    const per = shape.reduce((a, b) => a * b, 1);
    const out = new Float32Array(per * gens.length);
    gens.forEach((g, i) => out.set(g.randn(shape), i * per));
    return out;
  };
  const counter = { calls: 0 };
  const xs: Float32Array[] = [];
  const def = getSampler(label);
  const plan = def.plan(S, steps);
  if (sigmas) plan.sigmas = Float32Array.from(sigmas);
  const final = await runSampler(def, {
    schedule: S,
    steps,
    plan,
    noise: draw(),
    nextNoise: draw,
    model: compVisModel(S, fakeUnet(cfg, counter), cfg ?? undefined),
    onStep: ({ x }) => void xs.push(x),
  });
  return { final, xs, calls: counter.calls, plan };
}

describe('sampler trajectories vs the PyTorch reference (samplers.json)', () => {
  const ref = loadRef<SamplerRef>('samplers.json');
  for (const c of ref.configs) {
    for (const [id, run] of Object.entries(c.runs)) {
      const label = REF_IDS[id] ?? id;
      it(`${label}, ${c.name}: every step within 1e-6 of the tensor scale on the reference sigmas`, async () => {
        // Same sigmas as the reference isolates the sampler arithmetic (LMS amplifies 1-ulp sigma differences).
        const { xs, calls, plan } = await trajectory(label, c.seeds, c.shape, c.steps, c.cfg, run.sigmas ?? undefined);
        expect(calls).toBe(run.calls); // one U-Net call per evaluation (cond+uncond batched)
        expect(plan.modelCalls).toBe(run.calls);
        expect(xs.length).toBe(run.steps.length);
        let worst = 0;
        run.steps.forEach((r, k) => (worst = Math.max(worst, scaledErr(xs[k] ?? [], r))));
        expect(worst).toBeLessThan(1e-6);
      });
      it(`${label}, ${c.name}: own schedule, sigmas within 1e-6, steps within 1e-5`, async () => {
        const { xs, plan } = await trajectory(label, c.seeds, c.shape, c.steps, c.cfg);
        if (run.sigmas) expect(maxRel(plan.sigmas, run.sigmas)).toBeLessThan(1e-6);
        let worst = 0;
        run.steps.forEach((r, k) => (worst = Math.max(worst, scaledErr(xs[k] ?? [], r))));
        expect(worst).toBeLessThan(1e-5);
      });
    }
  }
});

describe('samplers.md §4 final latents (10 steps, seed 0, 1x4x2x2)', () => {
  const docNoCfg: Record<string, string> = {
    Euler: '-12.40651 -12.6964 -2.839007 -4.842665 9.177347 7.464441 -3.554269 -23.22144 3.422868 -13.90947 3.725747 3.268292 1.210063 13.42894 12.10759 -2.80293',
    'Euler a': '-19.62891 -17.1652 1.173018 2.433936 9.188049 0.8562944 -1.586995 -10.32011 2.894855 -9.892125 2.857218 8.762691 4.12071 22.79198 14.30132 -9.843241',
    Heun: '-11.72498 -11.99912 -2.677399 -4.572176 8.685957 7.066135 -3.353793 -21.9522 3.24419 -13.14626 3.530611 3.098015 1.151635 12.70651 11.45697 -2.643284',
    LMS: '-12.12826 -12.41172 -2.773187 -4.732359 8.976371 7.301497 -3.472569 -22.70307 3.349657 -13.59785 3.645812 3.198514 1.185983 13.13357 11.84155 -2.737911',
    'DPM++ 2M Uniform': '-11.85586 -12.13303 -2.708683 -4.624317 8.779767 7.142116 -3.392523 -22.19568 3.278097 -13.2928 3.56767 3.130312 1.162504 12.84459 11.58128 -2.674191',
    'DPM++ 2M Karras': '-11.76235 -12.03735 -2.686287 -4.587025 8.712838 7.087919 -3.36481 -22.02176 3.253943 -13.18811 3.541265 3.107308 1.154801 12.74605 11.49257 -2.652063',
    DDIM: '-7.473158 -7.648002 -1.702675 -2.911149 5.544791 4.51168 -2.134074 -13.99601 2.074072 -8.379641 2.256749 1.980843 0.7394556 8.10907 7.312119 -1.680916',
  };
  const docCfg: Record<string, string> = {
    Euler: '-16.9317 -17.22161 -7.364195 -9.367851 4.652153 2.939249 -8.079464 -27.74665 -1.102325 -18.43465 -0.7994453 -1.256901 -3.315129 8.903748 7.582401 -7.328121',
    'Euler a': '-26.02758 -23.56388 -5.225639 -3.964721 2.789397 -5.542364 -7.985651 -16.71877 -3.503804 -16.2908 -3.541439 2.364034 -2.277949 16.3933 7.902659 -16.2419',
    DDIM: '-10.15553 -10.33037 -4.385048 -5.593524 2.862416 1.829307 -4.816448 -16.67838 -0.608302 -11.06202 -0.4256254 -0.7015317 -1.942919 5.426696 4.629746 -4.363289',
  };
  const check = async (label: string, want: string, cfg: number | null) => {
    const { final } = await trajectory(label, [0], [4, 2, 2], 10, cfg);
    const w = want.split(' ').map(Number);
    w.forEach((v, i) => expect(Math.abs((final[i] ?? NaN) - v)).toBeLessThan(1e-5 * Math.abs(v) + 1e-5));
  };
  for (const [label, want] of Object.entries(docNoCfg)) it(`${label}, no CFG`, () => check(label, want, null));
  for (const [label, want] of Object.entries(docCfg)) it(`${label}, CFG 7.5`, () => check(label, want, 7.5));
});

describe('sampler registry', () => {
  it("lists A1111's names in A1111's order with their meta", () => {
    expect(SAMPLERS.map((s) => s.meta.label)).toEqual([
      'DPM++ 2M', 'DPM++ SDE', 'DPM++ 2M SDE', 'DPM++ 2M SDE Heun', 'DPM++ 2S a', 'DPM++ 3M SDE', 'Euler a', 'Euler', 'LMS', 'Heun',
      'DPM2', 'DPM2 a', 'DDIM', 'PLMS', 'UniPC', 'LCM',
    ]);
    for (const s of SAMPLERS) {
      expect(s.meta.defaultSteps).toBe(20);
      expect(s.plan(S, 20).modelCalls, s.meta.label).toBe(s.meta.modelCalls(20));
      const p = s.plan(S, 20);
      expect(p.sigmas.length).toBe(21);
      if (s.meta.label !== 'UniPC') expect(p.sigmas[20]).toBe(0); // UniPC ends at t = 1/1000, not sigma 0
    }
    expect(SAMPLERS.filter((s) => s.meta.ancestral).map((s) => s.meta.label)).toEqual(['DPM++ SDE', 'DPM++ 2M SDE', 'DPM++ 2M SDE Heun', 'DPM++ 2S a', 'DPM++ 3M SDE', 'Euler a', 'DPM2 a', 'LCM']);
    expect(SAMPLERS.filter((s) => s.meta.usesEnsd).map((s) => s.meta.label)).toEqual(['DPM++ 2S a', 'Euler a', 'DPM2 a', 'DDIM']);
    expect(SAMPLERS.filter((s) => s.meta.brownian).map((s) => s.meta.label)).toEqual(['DPM++ SDE', 'DPM++ 2M SDE', 'DPM++ 2M SDE Heun', 'DPM++ 3M SDE']);
  });
  it('finds samplers by label, id or alias, case-insensitively', () => {
    expect(findSampler('euler a')?.id).toBe('euler_a');
    expect(findSampler(' DPM++ 2M Karras ')?.id).toBe('dpmpp_2m');
    expect(findSampler('DPM++ 2M Karras')?.plan(S, 10).scheduleType).toBe('karras');
    expect(findSampler('LMS Karras')?.plan(S, 10).scheduleType).toBe('karras');
    expect(findSampler('LMS')?.plan(S, 10).scheduleType).toBeUndefined();
    expect(findSampler('k_dpmpp_2m_sde_ka')?.plan(S, 10).scheduleType).toBe('karras');
    expect(findSampler('k_lms')?.id).toBe('lms');
    expect(findSampler('nope')).toBeUndefined();
    expect(() => getSampler('nope')).toThrow('known: DPM++ 2M, DPM++ SDE, ');
    expect(() => getSampler('nope')).toThrow(expect.objectContaining({ name: 'StudioError', code: 'bad-request' }));
  });
  it('rejects bad step counts and DDIM without an eps model', async () => {
    const badRequest = expect.objectContaining({ name: 'StudioError', code: 'bad-request' });
    expect(() => getSampler('Euler').plan(S, 0)).toThrow(badRequest);
    expect(() => getSampler('Euler').plan(S, 2.5)).toThrow(badRequest);
    expect(() => getSampler('DDIM').plan(S, 1001)).toThrow(badRequest);
    const def = getSampler('DDIM');
    const st = def.createStepper(S, def.plan(S, 4));
    await expect(st.step(new Float32Array(4), 0, { model: { denoise: async (x) => x }, noise: () => new Float32Array(4) })).rejects.toMatchObject({ code: 'internal-error', message: expect.stringMatching(/eps/) });
  });
  it('Euler a draws steps-1 noises after the initial one; DDIM one per model call', async () => {
    for (const [label, draws] of [['Euler a', 9], ['DDIM', 9], ['Euler', 0]] as const) {
      let n = 0;
      await runSampler(getSampler(label), {
        schedule: S,
        steps: 10,
        noise: new Float32Array(16),
        nextNoise: () => (n++, new Float32Array(16)),
        model: compVisModel(S, async (x) => ({ cond: x })),
      });
      expect(n, label).toBe(draws);
    }
  });
});
