import { describe, expect, it } from 'vitest';
import { loadRef } from '../../../../test/reference/diffusion/load.ts';
import { fakeUnet, scaledErr } from '../../../../test/support/fake-unet.ts';
import { ImageRng } from '../noise/index.ts';
import { SeedSequence } from '../noise/seed-sequence.ts';
import { pyRound6 } from './brownian.ts';
import { brownianRange, compVisModel, createBrownianNoise, DiscreteSchedule, getSampler, runSampler } from './index.ts';

interface BrownianRef {
  seeds: number[];
  shape: number[];
  sigmas: number[];
  queries: { sigma: number; next: number; noise: number[] }[];
  runs: Record<string, { calls: number; steps: number[][]; sigmas: number[]; queries: [number, number][] }>;
}
const ref = loadRef<BrownianRef>('brownian.json');

describe("A1111's Brownian-tree noise (torchsde BrownianTree, CPU RNG source) vs brownian.json", () => {
  it('NumPy SeedSequence and Python round(x, 6)', () => {
    expect(Array.from(new SeedSequence(1234, [5, 3], 24).generateState(4))).toEqual([1860635963, 869273324, 1971674113, 2280051663]);
    expect(Array.from(new SeedSequence(0, [], 24).generateState(3))).toEqual([4025752534, 2687548107, 2326983537]);
    expect(pyRound6(0.0078125)).toBe(0.007812); // exact tie: to even
    expect(pyRound6(0.0078135)).toBe(0.007813); // not a tie in binary (0.00781349999…)
    expect(pyRound6(14.614643096923828)).toBe(14.614643);
  });
  it('every noise of a run (to the midpoint and to the next sigma) bit for bit', () => {
    const noise = createBrownianNoise({ seeds: ref.seeds, shape: ref.shape, ...brownianRange(ref.sigmas) });
    for (const q of ref.queries) expect(Array.from(noise(q.sigma, q.next)), `${q.sigma} -> ${q.next}`).toEqual(q.noise);
  });
  for (const [label, run] of Object.entries(ref.runs)) {
    it(`${label} with A1111's Brownian noise, every step`, async () => {
      const S = new DiscreteSchedule();
      const def = getSampler(label);
      const plan = def.plan(S, 10);
      plan.sigmas = Float32Array.from(run.sigmas);
      const rng = new ImageRng({ shape: ref.shape, seeds: ref.seeds });
      const xs: Float32Array[] = [];
      const counter = { calls: 0 };
      const tree = createBrownianNoise({ seeds: ref.seeds, shape: ref.shape, ...brownianRange(run.sigmas) });
      let q = 0;
      // The tree rounds its query sigmas to 6 decimals, so the sampler's own float32 exp/log (within 1 ulp of
      // torch's, which is SLEEF's) must not move a query: the reference's query points are used, after checking
      // that ours are within 1 ulp of them (DPM++ SDE's midpoints differ by 1 ulp in 2 of these 18 queries).
      const brownian = (s: number, n: number) => {
        const [rs, rn] = run.queries[q++] ?? [NaN, NaN];
        expect(Math.abs(s - rs) / rs).toBeLessThan(1.2e-7);
        expect(Math.abs(n - rn) / rn).toBeLessThan(1.2e-7);
        return tree(rs, rn);
      };
      await runSampler(def, {
        schedule: S,
        steps: 10,
        plan,
        noise: rng.next(),
        nextNoise: () => rng.next(),
        brownian,
        model: compVisModel(S, fakeUnet(7, counter), 7),
        onStep: ({ x }) => void xs.push(x),
      });
      expect(counter.calls).toBe(run.calls);
      expect(q).toBe(run.queries.length);
      let worst = 0;
      run.steps.forEach((r, k) => (worst = Math.max(worst, scaledErr(xs[k] ?? [], r))));
      expect(worst).toBeLessThan(3e-6);
    });
  }
});

const shape = [4, 8, 8];
const opts = { shape, sigmaMin: 0.03, sigmaMax: 14.6 };

describe('Brownian-tree noise: properties', () => {
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
