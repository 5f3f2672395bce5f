import { describe, expect, it } from 'vitest';
import { fuzzReader } from './support/fuzz.ts';

describe('reader fuzzing (fixed seed)', () => {
  it('mutated valid files only ever give StudioError, each within a second of CPU time', () => {
    const report = fuzzReader(400, 20261126);
    expect(report.cases).toBe(400);
    expect(report.rejected).toBeGreaterThan(0);
    expect(report.slowestMs).toBeLessThan(1000);
  });
});
