import { describe, expect, it } from 'vitest';
import { ImageRng } from '../noise/index.ts';
import { brownianRange, compVisModel, createBrownianNoise, DiscreteSchedule, getSampler, runSampler } from './index.ts';

const shape = [4, 8, 8];
const opts = { shape, sigmaMin: 0.03, sigmaMax: 14.6 };

describe('Brownian-tree noise for the SDE samplers', () => {
  it('is deterministic per seed and independent of the batch', () => {
    const a = createBrownianNoise({ ...opts, seeds: [7, 8] })(14.6, 7.3);
    const b = createBrownianNoise({ ...opts, seeds: [8] })(14.6, 7.3);
    const c = createBrownianNoise({ ...opts, seeds: [7, 8] })(14.6, 7.3);
    expect(Array.from(a)).toEqual(Array.from(c));
    expect(Array.from(a.subarray(256))).toEqual(Array.from(b));
    expect(Array.from(a.subarray(0, 256))).not.toEqual(Array.from(b));
  });
  it('is one Brownian path: increments over adjacent intervals add up, and are standard normal', () => {
    const noise = createBrownianNoise({ ...opts, seeds: [3] });
    const w = (s0: number, s1: number) => Array.from(noise(s0, s1), (v) => v * Math.sqrt(Math.abs(s1 - s0)));
    const whole = w(10, 2);
    const parts = [w(10, 5.5), w(5.5, 2)];
    whole.forEach((v, k) => expect(v).toBeCloseTo((parts[0]![k] ?? 0) + (parts[1]![k] ?? 0), 4));
    // k-diffusion's sign: the step from sigma to a smaller sigma_next is W(sigma_next) - W(sigma)
    expect(w(2, 10).map((v) => -v)).toEqual(whole.map((v) => expect.closeTo(v, 4)));
    let m = 0;
    let v2 = 0;
    const samples = Array.from({ length: 40 }, (_, i) => Array.from(noise(14 - i * 0.3, 13.9 - i * 0.3))).flat();
    for (const x of samples) [m, v2] = [m + x, v2 + x * x];
    expect(Math.abs(m / samples.length)).toBeLessThan(0.05);
    expect(Math.abs(v2 / samples.length - 1)).toBeLessThan(0.05);
  });
  it("covers A1111's range (smallest non-zero to largest sigma) and drives an SDE sampler deterministically", async () => {
    const S = new DiscreteSchedule();
    const def = getSampler('DPM++ 2M SDE');
    const plan = def.plan(S, 8);
    expect(brownianRange(plan.sigmas)).toEqual({ sigmaMin: plan.sigmas[7], sigmaMax: plan.sigmas[0] });
    const run = async () => {
      const rng = new ImageRng({ shape, seeds: [5] });
      return runSampler(def, {
        schedule: S,
        steps: 8,
        noise: rng.next(),
        nextNoise: () => rng.next(),
        brownian: createBrownianNoise({ seeds: [5], shape, ...brownianRange(plan.sigmas) }),
        model: compVisModel(S, async (x) => ({ cond: x.map((v) => v * 0.1) })),
      });
    };
    const [x1, x2] = [await run(), await run()];
    expect(Array.from(x1)).toEqual(Array.from(x2));
    expect(x1.every(Number.isFinite)).toBe(true);
  });
});
