/** A1111's X/Y/Z value syntax: cases worked through scripts/xyz_grid.py's regexes, csv and numpy semantics. */
import { describe, expect, it } from 'vitest';
import { StudioError } from '../../errors.ts';
import { axisLabel, parseAxis, type AxisContext } from './axes.ts';
import { expandFloats, expandInts, MAX_AXIS_VALUES, pyFloatText, splitCsv } from './values.ts';

const ctx: AxisContext = {
  samplerLabel: (n) => ({ 'euler a': 'Euler a', euler: 'Euler', 'dpm++ 2m': 'DPM++ 2M' })[n.toLowerCase()],
  hypernetworks: ['stripes', 'invert'],
  randomSeed: () => 777,
  keepRandomSeeds: false,
};

function badRequest(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(StudioError);
    expect((e as StudioError).code).toBe('bad-request');
    return (e as StudioError).message;
  }
  throw new Error('expected a bad-request error');
}

describe('csv items (csv.reader, chained rows, stripped)', () => {
  it('splits on commas and line breaks and strips each item', () => {
    expect(splitCsv(' 1, 2 ,3')).toEqual(['1', '2', '3']);
    expect(splitCsv('a,b\nc')).toEqual(['a', 'b', 'c']);
    expect(splitCsv('')).toEqual([]);
    expect(splitCsv('a,')).toEqual(['a', '']);
  });
  it('reads quoted fields only at a field start; "" is a quote', () => {
    expect(splitCsv('"DPM++ 2M, Karras",Euler')).toEqual(['DPM++ 2M, Karras', 'Euler']);
    expect(splitCsv('"say ""hi""",x')).toEqual(['say "hi"', 'x']);
    // a space before the quote: Python's default dialect reads the quote as text
    expect(splitCsv('a, "b,c"')).toEqual(['a', '"b', 'c"']);
    expect(badRequest(() => splitCsv('"open'))).toMatch(/not closed/);
  });
});

describe('ranges', () => {
  it('whole numbers: inclusive ranges, steps, counts (linspace, truncated)', () => {
    expect(expandInts(['1-5'], 'X')).toEqual([1, 2, 3, 4, 5]);
    expect(expandInts(['1-10 (+3)'], 'X')).toEqual([1, 4, 7, 10]);
    // A1111 adds 1 to the end whatever the step's sign: range(5, 2 + 1, -1) stops before 3
    expect(expandInts(['5-2 (-1)'], 'X')).toEqual([5, 4]);
    expect(expandInts(['1-10 [4]'], 'X')).toEqual([1, 4, 7, 10]);
    expect(expandInts(['1-10 [5]'], 'X')).toEqual([1, 3, 5, 7, 10]);
    expect(expandInts(['-3--1'], 'X')).toEqual([-3, -2, -1]);
    expect(expandInts(['7', '1-2'], 'X')).toEqual([7, 1, 2]);
    // "5-1": range(5, 2) is empty
    expect(expandInts(['5-1'], 'X')).toEqual([]);
    expect(badRequest(() => expandInts(['1.5'], 'X'))).toMatch(/not a whole number/);
    expect(badRequest(() => expandInts(['1-5 (+0)'], 'X'))).toMatch(/step of 0/);
  });
  it('decimals: arange to end + step (A1111 may pass the end), counts with linspace', () => {
    expect(expandFloats(['0-1 (+0.25)'], 'X')).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(expandFloats(['0-1 (+0.3)'], 'X').map(pyFloatText)).toEqual(['0.0', '0.3', '0.6', '0.9', '1.2']);
    expect(expandFloats(['0.0-1.0 [5]'], 'X')).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(expandFloats(['5-7'], 'X')).toEqual([5, 6, 7]);
    expect(expandFloats(['.5', '1e2'], 'X')).toEqual([0.5, 100]);
    // A1111's unescaped "." reads "1e-1" as the range "1e" to "1", and float("1e") fails
    expect(badRequest(() => expandFloats(['1e-1'], 'X'))).toMatch('"1e" is not a number');
    expect(badRequest(() => expandFloats(['0-1 [2.5]'], 'X'))).toMatch(/not a whole number/);
    expect(badRequest(() => expandFloats(['inf'], 'X'))).toMatch(/not a number/);
  });
  it('bounds every axis to MAX_AXIS_VALUES before it expands', () => {
    expect(badRequest(() => expandInts(['1-1000000000'], 'X'))).toMatch(`at most ${MAX_AXIS_VALUES} values`);
    expect(badRequest(() => expandFloats(['0-1 [100000000]'], 'X'))).toMatch(`at most ${MAX_AXIS_VALUES} values`);
    expect(badRequest(() => splitCsv('1,'.repeat(2000)))).toMatch(/at most 2000 characters/);
  });
});

describe('axes', () => {
  it('fixes -1 seeds now unless "Keep -1 for seeds"', () => {
    expect(parseAxis({ type: 'Seed', text: '1, -1' }, 'X', ctx)).toMatchObject({ values: [1, 777], fixedSeeds: [1, 777] });
    expect(parseAxis({ type: 'Seed', text: '1, -1' }, 'X', { ...ctx, keepRandomSeeds: true })).toMatchObject({ values: [1, -1], fixedSeeds: null });
  });
  it('checks samplers and hypernetworks by name (case-insensitive), None is no hypernetwork', () => {
    expect(parseAxis({ type: 'Sampler', text: 'euler a, DPM++ 2M' }, 'X', ctx).values).toEqual(['Euler a', 'DPM++ 2M']);
    expect(badRequest(() => parseAxis({ type: 'Sampler', text: 'Euler, Nope' }, 'Y', ctx))).toBe('Y (Sampler): unknown sampler: Nope');
    expect(parseAxis({ type: 'Hypernetwork', text: 'None, Stripes, invert' }, 'X', ctx).values).toEqual([null, 'stripes', 'invert']);
    expect(badRequest(() => parseAxis({ type: 'Hypernetwork', text: 'ghost' }, 'X', ctx))).toMatch(/unknown hypernetwork: ghost/);
  });
  it('refuses empty axes and values the engine would refuse', () => {
    expect(badRequest(() => parseAxis({ type: 'Steps', text: ' ' }, 'X', ctx))).toMatch(/at least one value/);
    expect(badRequest(() => parseAxis({ type: 'Steps', text: '0-2' }, 'X', ctx))).toMatch(/0 is out of range \(1 to 150\)/);
    expect(parseAxis({ type: 'Nothing', text: 'ignored' }, 'Z', ctx).values).toEqual([null]);
  });
  it('labels as A1111 formats them', () => {
    expect(axisLabel('Seed', 5)).toBe('Seed: 5');
    expect(axisLabel('CFG Scale', 7)).toBe('CFG Scale: 7.0');
    expect(axisLabel('Hypernet str.', 0.1 + 0.2)).toBe('Hypernet str.: 0.3');
    expect(axisLabel('Sampler', 'Euler a')).toBe('Euler a');
    expect(axisLabel('Hypernetwork', null)).toBe('Hypernetwork: None');
    expect(axisLabel('Nothing', null)).toBe('');
    expect(pyFloatText(0.00001)).toBe('1e-05');
  });
});
