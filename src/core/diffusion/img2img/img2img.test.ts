import { describe, expect, it } from 'vitest';
import { loadRef } from '../../../../test/reference/diffusion/load.ts';
import { fakeUnet, maxRel, scaledErr } from '../../../../test/support/fake-unet.ts';
import { ImageRng } from '../noise/index.ts';
import { compVisModel, DiscreteSchedule, getSampler, runSampler } from '../schedulers/index.ts';
import { img2imgPlan, img2imgStart, img2imgSteps } from './img2img.ts';

interface Run {
  total_steps: number;
  t_enc: number;
  x_start: number[];
  calls: number;
  steps: number[][];
  sigmas?: number[];
  timesteps?: number[];
}
const ref = loadRef<{ init: number[]; shape: number[]; seeds: number[]; cfg: number; runs: Record<string, Run>; setup_steps: number[][] }>('img2img.json');
const S = new DiscreteSchedule();

describe("A1111's img2img step arithmetic (setup_img2img_steps)", () => {
  it('matches every (steps, strength, fix) of the grid', () => {
    for (const [steps, dn, fix, total, tEnc] of ref.setup_steps as [number, number, number, number, number][]) {
      expect(img2imgSteps(steps, dn, { fixSteps: fix === 1 }), `${steps} ${dn} ${fix}`).toEqual({ steps: total, tEnc });
    }
  });
  it('the hires pass always takes the fixed-steps branch with its own steps', () => {
    expect(img2imgSteps(20, 0.7, { explicitSteps: 10 })).toEqual({ steps: 14, tEnc: 9 });
    expect(img2imgSteps(20, 0.5, { explicitSteps: 20 })).toEqual({ steps: 40, tEnc: 19 });
  });
  it('refuses a strength outside 0..1, and a 0-step plan', () => {
    expect(() => img2imgSteps(20, 1.5)).toThrow(expect.objectContaining({ code: 'bad-request' }));
    expect(() => img2imgPlan(getSampler('Euler'), S, img2imgSteps(20, 0, { fixSteps: true }))).toThrow(expect.objectContaining({ code: 'bad-request' }));
  });
});

describe('img2img runs vs A1111 sample_img2img (img2img.json)', () => {
  for (const [key, run] of Object.entries(ref.runs)) {
    const [label, steps, dn, fix] = key.split('|') as [string, string, string, string];
    it(`${label}, ${steps} steps, strength ${dn}${fix === '1' ? ', fixed steps' : ''}`, async () => {
      const def = getSampler(label);
      const info = img2imgSteps(Number(steps), Number(dn), { fixSteps: fix === '1' });
      expect(info).toEqual({ steps: run.total_steps, tEnc: run.t_enc });
      const p = img2imgPlan(def, S, info);
      if (run.sigmas) expect(maxRel(p.plan.sigmas, run.sigmas)).toBeLessThan(3e-7);
      if (run.timesteps) expect(Array.from(p.plan.timesteps ?? [])).toEqual(run.timesteps);
      const rng = new ImageRng({ shape: ref.shape, seeds: ref.seeds });
      const noise = rng.next();
      const start = img2imgStart(p, Float32Array.from(ref.init), noise);
      expect(scaledErr(start, run.x_start)).toBeLessThan(2e-7);
      const counter = { calls: 0 };
      const xs: Float32Array[] = [];
      if (run.sigmas) p.plan.sigmas = Float32Array.from(run.sigmas);
      await runSampler(def, {
        schedule: S,
        steps: info.steps,
        plan: p.plan,
        noise,
        initialLatent: Float32Array.from(run.x_start),
        nextNoise: () => rng.next(),
        model: compVisModel(S, fakeUnet(ref.cfg, counter), ref.cfg),
        onStep: ({ x }) => void xs.push(x),
      });
      expect(counter.calls).toBe(run.calls);
      expect(p.plan.modelCalls).toBe(run.calls);
      expect(xs.length).toBe(run.steps.length);
      let worst = 0;
      run.steps.forEach((r, k) => (worst = Math.max(worst, scaledErr(xs[k] ?? [], r))));
      expect(worst).toBeLessThan(3e-6);
    });
  }
});
