import { describe, expect, it } from 'vitest';
import { BATCH_PIXEL_BUDGET, formatStrengthList, MAX_SWEEP, parseStrengthList, planSweep } from './sweep.ts';

describe('parseStrengthList', () => {
  it('reads commas, spaces and semicolons', () => {
    expect(parseStrengthList('0, 0.25, 0.5, 0.75, 1')).toEqual({ ok: true, strengths: [0, 0.25, 0.5, 0.75, 1] });
    expect(parseStrengthList(' -1 ;2  1e-1,.5 ')).toEqual({ ok: true, strengths: [-1, 2, 0.1, 0.5] });
  });
  it('names the bad item, refuses empty and oversized lists', () => {
    expect(parseStrengthList('0, x, 1')).toEqual({ ok: false, error: '"x" is not a number.' });
    expect(parseStrengthList('0, Infinity')).toMatchObject({ ok: false });
    expect(parseStrengthList('0x10')).toMatchObject({ ok: false });
    expect(parseStrengthList(' , ')).toMatchObject({ ok: false, error: expect.stringContaining('at least one') });
    expect(parseStrengthList(Array.from({ length: MAX_SWEEP + 1 }, (_, i) => i).join(','))).toMatchObject({ ok: false, error: expect.stringContaining(`at most ${MAX_SWEEP}`) });
  });
  it('formats back to the same list', () => {
    expect(formatStrengthList([0, 0.25, 1])).toBe('0, 0.25, 1');
    const text = formatStrengthList([0.1, -0.3, 1.5]);
    expect(parseStrengthList(text)).toEqual({ ok: true, strengths: [0.1, -0.3, 1.5] });
  });
});

describe('planSweep', () => {
  const base = { count: 4, width: 64, height: 64, backend: 'wasm' as const, dynamicBatch: true, perImageStrength: true };
  it('batches when the export and the budget allow it', () => {
    expect(planSweep(base).mode).toBe('batched');
    expect(planSweep({ ...base, width: 512, height: 512 }).mode).toBe('batched');
  });
  it('runs one at a time otherwise, saying why', () => {
    expect(planSweep({ ...base, dynamicBatch: false })).toEqual({ mode: 'sequential', reason: 'the U-Net export has a fixed batch size' });
    expect(planSweep({ ...base, perImageStrength: false }).mode).toBe('sequential');
    expect(planSweep({ ...base, count: 1 }).mode).toBe('sequential');
    const big = planSweep({ ...base, count: 5, width: 512, height: 512 });
    expect(5 * 512 * 512).toBeGreaterThan(BATCH_PIXEL_BUDGET.wasm);
    expect(big).toEqual({ mode: 'sequential', reason: '5 images of 512×512 exceed the batch memory budget' });
    expect(planSweep({ ...base, requested: 'sequential' }).mode).toBe('sequential');
  });
  it('a forced batch ignores the budget but not the export', () => {
    expect(planSweep({ ...base, count: 16, width: 1024, height: 1024, requested: 'batched' }).mode).toBe('batched');
    expect(planSweep({ ...base, dynamicBatch: false, requested: 'batched' }).mode).toBe('sequential');
  });
});
