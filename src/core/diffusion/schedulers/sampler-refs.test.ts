/**
 * Every sampler against samplers2.json (tools/reference/make_sampler_refs.py: k-diffusion's own sample_*
 * functions, UniPC's reference code, A1111's timestep samplers and LCM re-typed) per step, with and without
 * CFG, batch 2, v-prediction and ENSD 31337. The SDE samplers' noise there is the image generator's next draw,
 * as here without a Brownian tree, so every deterministic part is compared exactly.
 */
import { describe, expect, it } from 'vitest';
import { loadRef } from '../../../../test/reference/diffusion/load.ts';
import { fakeUnet, maxRel, scaledErr } from '../../../../test/support/fake-unet.ts';
import { ImageRng } from '../noise/index.ts';
import { compVisModel, DiscreteSchedule, getSampler, parseSchedulerConfig, runSampler, type SamplerPlan } from './index.ts';

interface Run {
  calls: number;
  steps: number[][];
  draws: number;
  unet_t: number[];
  sigmas?: number[];
  timesteps?: number[];
}
interface Config {
  name: string;
  seeds: number[];
  shape: number[];
  steps: number;
  cfg: number | null;
  v?: boolean;
  ensd?: number;
  runs: Record<string, Run>;
}
const ref = loadRef<{ configs: Config[]; schedule_runs: Record<string, Run> }>('samplers2.json');
const EPS = new DiscreteSchedule();
const V = new DiscreteSchedule(parseSchedulerConfig({ prediction_type: 'v_prediction' }));

export async function runRef(label: string, c: Omit<Config, 'runs' | 'name'>, opts: { sigmas?: number[]; scheduleType?: string } = {}) {
  const schedule = c.v ? V : EPS;
  const rng = new ImageRng({ shape: c.shape, seeds: c.seeds, ensd: c.ensd ?? 0 });
  const counter = { calls: 0, ts: [] as number[] };
  const def = getSampler(label);
  const plan: SamplerPlan = def.plan(schedule, c.steps, opts.scheduleType === undefined ? undefined : (opts.scheduleType as never));
  if (opts.sigmas) plan.sigmas = Float32Array.from(opts.sigmas);
  const xs: Float32Array[] = [];
  await runSampler(def, {
    schedule,
    steps: c.steps,
    plan,
    noise: rng.next(),
    nextNoise: () => rng.next(),
    model: compVisModel(schedule, fakeUnet(c.cfg, counter), c.cfg ?? undefined),
    onStep: ({ x }) => void xs.push(x),
  });
  return { xs, counter, plan, draws: rng.drawCount };
}

describe('samplers vs k-diffusion / A1111 (samplers2.json)', () => {
  for (const c of ref.configs) {
    for (const [label, run] of Object.entries(c.runs)) {
      it(`${label}, ${c.name}: schedule, U-Net timesteps and every step`, async () => {
        // own schedule: sigmas within 1 ulp (libm vs SLEEF exp/log), which later steps amplify up to ~1e-5
        const own = await runRef(label, c);
        if (run.sigmas) expect(maxRel(own.plan.sigmas, run.sigmas), 'sigmas').toBeLessThan(3e-7);
        let drift = 0;
        run.steps.forEach((r, k) => (drift = Math.max(drift, scaledErr(own.xs[k] ?? [], r))));
        expect(drift).toBeLessThan(1e-5);
        // on the reference's own sigmas the arithmetic itself is compared
        const { xs, counter, plan, draws } = await runRef(label, c, run.sigmas ? { sigmas: run.sigmas } : {});
        if (run.timesteps) expect(Array.from(plan.timesteps ?? [])).toEqual(run.timesteps);
        expect(counter.calls).toBe(run.calls);
        expect(plan.modelCalls).toBe(run.calls);
        expect(maxRel(counter.ts, run.unet_t), 'U-Net t').toBeLessThan(2e-6);
        expect(xs.length).toBe(run.steps.length);
        let worst = 0;
        run.steps.forEach((r, k) => (worst = Math.max(worst, scaledErr(xs[k] ?? [], r))));
        // op-for-op float32; what differs are single-ulp results of float32 exp/log/expm1 (libm-rounded doubles
        // here, torch's own there) and UniPC's float32 LAPACK solves, which 20 steps grow to at most ~2.6e-6
        expect(worst).toBeLessThan(3e-6);
        // samplers that draw noise draw what A1111's do (k-diffusion's churn draws of Euler/Heun/DPM2 are unused)
        if (getSampler(label).meta.ancestral || label === 'DDIM') expect(draws, 'noise draws').toBe(run.draws);
      });
    }
  }
  for (const [key, run] of Object.entries(ref.schedule_runs)) {
    const [label, type] = key.split('|') as [string, string];
    it(`${label} on schedule type ${type}`, async () => {
      const { xs, plan } = await runRef(label, { seeds: [3], shape: [4, 2, 2], steps: 11, cfg: 5 }, { scheduleType: type });
      expect(maxRel(plan.sigmas, run.sigmas ?? []), 'sigmas').toBeLessThan(3e-7);
      let worst = 0;
      run.steps.forEach((r, k) => (worst = Math.max(worst, scaledErr(xs[k] ?? [], r))));
      expect(worst).toBeLessThan(1e-6);
    });
  }
});
