import { describe, expect, it } from 'vitest';
import { loadRef } from '../../../../test/reference/diffusion/load.ts';
import { maxRel } from '../../../../test/support/fake-unet.ts';
import { betaCdf, betaPpf, lnGamma } from './beta-ppf.ts';
import {
  DiscreteSchedule,
  findSampler,
  findScheduleType,
  infotextEnsd,
  getScheduleType,
  infotextScheduleType,
  lcmTable,
  resolveSamplerName,
  SAMPLERS,
  samplingPlan,
  SCHEDULE_TYPES,
  scheduleTypeLabels,
} from './index.ts';

const S = new DiscreteSchedule();
const ref = loadRef<{ types: Record<string, Record<string, number[]>>; lcm: { sigmas: number[]; uniform: Record<string, number[]>; karras: Record<string, number[]> } }>('schedules.json');

describe('schedule types vs A1111 1.10 / k-diffusion (schedules.json)', () => {
  it("lists A1111 1.10's schedule types in its order", () => {
    expect(scheduleTypeLabels()).toEqual(['Automatic', 'Uniform', 'Karras', 'Exponential', 'Polyexponential', 'SGM Uniform', 'KL Optimal', 'Align Your Steps', 'Simple', 'Normal', 'DDIM', 'Beta']);
    expect(Object.keys(ref.types).sort()).toEqual(SCHEDULE_TYPES.filter((t) => t.id !== 'automatic').map((t) => t.id).sort());
  });
  for (const type of SCHEDULE_TYPES.filter((t) => t.sigmas)) {
    it(`${type.label}: 1 to 50 steps within 2 ulp`, () => {
      for (const [n, want] of Object.entries(ref.types[type.id] ?? {})) {
        const got = type.sigmas!(Number(n), S);
        expect(maxRel(got, want), `${type.label} ${n}`).toBeLessThan(2.4e-7);
      }
    });
  }
  it('KL Optimal ends at sigma_min, not 0; the others end in 0', () => {
    expect(getScheduleType('KL Optimal').sigmas!(10, S).at(-1)).toBe(Math.fround(S.sigmaMin));
    expect(getScheduleType('Beta').sigmas!(10, S).at(-1)).toBe(0);
  });
  it("LCM's 50-entry table, its own uniform schedule and Karras over it", () => {
    const t = lcmTable(S);
    expect(maxRel(t.sigmas, ref.lcm.sigmas)).toBeLessThan(1.2e-7);
    for (const [n, want] of Object.entries(ref.lcm.uniform)) expect(maxRel(t.uniformSigmas(Number(n)), want), `uniform ${n}`).toBeLessThan(2.4e-7);
    for (const [n, want] of Object.entries(ref.lcm.karras)) expect(maxRel(findSampler('LCM')!.plan(S, Number(n), 'karras').sigmas, want), `karras ${n}`).toBeLessThan(2.4e-7);
    expect([t.sigmaToT(t.sigmaMax), t.sigmaToT(t.sigmaMin)]).toEqual([999, 19]);
  });
});

describe('Beta quantiles (scipy.stats.beta.ppf)', () => {
  it('agrees with known values and inverts the CDF to double precision', () => {
    expect(lnGamma(0.5)).toBeCloseTo(Math.log(Math.sqrt(Math.PI)), 13);
    expect(lnGamma(10)).toBeCloseTo(Math.log(362880), 12);
    expect(betaPpf(0.5, 0.6, 0.6)).toBe(0.5);
    expect(betaPpf(0, 0.6, 0.6)).toBe(0);
    expect(betaPpf(1, 0.6, 0.6)).toBe(1);
    // Beta(1, 1) is uniform; Beta(2, 1) has CDF x^2
    expect(betaPpf(0.3, 1, 1)).toBeCloseTo(0.3, 14);
    expect(betaPpf(0.25, 2, 1)).toBeCloseTo(0.5, 14);
    for (const p of [1e-6, 0.01, 0.2, 0.77, 0.999999]) expect(Math.abs(betaCdf(betaPpf(p, 0.6, 0.6), 0.6, 0.6) - p)).toBeLessThan(1e-12);
  });
});

describe('sampler + schedule type -> plan', () => {
  it('"Automatic" resolves per sampler, as A1111 1.10 writes it into the infotext', () => {
    const cases: [string, string, string][] = [
      ['DPM++ 2M', 'Automatic', 'Karras'],
      ['DPM++ 2M SDE', 'Automatic', 'Exponential'],
      ['Euler a', 'Automatic', 'Automatic'],
      ['Euler a', 'Karras', 'Karras'],
      ['DDIM', 'Karras', 'Karras'], // ignored by DDIM, written as asked
      ['DPM++ 2M Karras', 'Automatic', 'Karras'], // old combined name
      ['LMS Karras', 'Automatic', 'Karras'],
    ];
    for (const [sampler, type, written] of cases) {
      const p = samplingPlan(S, sampler, 10, type);
      expect(p.infotext.scheduleType, `${sampler} / ${type}`).toBe(written);
    }
    expect(samplingPlan(S, 'LMS Karras', 10).infotext.sampler).toBe('LMS');
    expect(samplingPlan(S, 'DPM++ 2M', 10).plan.sigmas).toEqual(S.karrasSigmas(10));
    expect(samplingPlan(S, 'Euler', 10, 'Uniform').plan.sigmas).toEqual(S.uniformSigmas(10));
    expect(samplingPlan(S, 'DDIM', 10, 'Karras').plan.timesteps?.length).toBe(10);
    expect(() => samplingPlan(S, 'Euler', 10, 'Wobbly')).toThrow(expect.objectContaining({ code: 'bad-request' }));
    expect(() => samplingPlan(S, 'Restart', 10)).toThrow(expect.objectContaining({ code: 'bad-request' }));
  });
  it('writes ENSD only for uses_ensd samplers with a non-zero eta, as A1111', () => {
    expect(infotextEnsd(findSampler('Euler a')!, 31337)).toBe(31337);
    expect(infotextEnsd(findSampler('Euler a')!, 0)).toBeUndefined();
    expect(infotextEnsd(findSampler('Euler')!, 31337)).toBeUndefined();
    expect(infotextEnsd(findSampler('DPM++ SDE')!, 31337)).toBeUndefined();
    expect(infotextEnsd(findSampler('DDIM')!, 31337)).toBeUndefined();
    expect(infotextEnsd(findSampler('DDIM')!, 31337, 0.5)).toBe(31337);
  });
  it('discard-penultimate samplers plan one step more and drop it', () => {
    const full = S.karrasSigmas(11);
    const dpm2 = findSampler('DPM2')!.plan(S, 10).sigmas;
    expect(Array.from(dpm2)).toEqual([...Array.from(full.subarray(0, 10)), 0]);
    expect(findSampler('DPM++ 3M SDE')!.plan(S, 10).steps).toBe(10);
  });
  it("reads names as A1111's get_sampler_and_scheduler does", () => {
    const r = (n: string, t?: string) => {
      const c = resolveSamplerName(SAMPLERS, n, t);
      return c && `${c.sampler.meta.label}|${c.scheduleType.label}`;
    };
    expect(r('DPM++ 2M Karras')).toBe('DPM++ 2M|Automatic'); // Karras is its default
    expect(r('DPM++ 2M', 'Karras')).toBe('DPM++ 2M|Automatic');
    expect(r('DPM++ 2M', 'Exponential')).toBe('DPM++ 2M|Exponential');
    expect(r('DPM++ 2M SDE Heun Karras')).toBe('DPM++ 2M SDE Heun|Karras');
    expect(r('DPM++ 2M SDE Exponential')).toBe('DPM++ 2M SDE|Automatic');
    expect(r('Euler a', 'SGMUniform')).toBe('Euler a|SGM Uniform');
    expect(r('k_dpmpp_2m_ka')).toBe('DPM++ 2M|Automatic');
    expect(r('k_lms_ka')).toBe('LMS|Karras');
    expect(r('Nope Karras')).toBeUndefined();
    expect(findScheduleType('sgm_uniform')?.label).toBe('SGM Uniform');
    expect(infotextScheduleType(findSampler('UniPC')!, getScheduleType('Automatic'))).toBe('Automatic');
  });
});
