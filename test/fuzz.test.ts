import { describe, expect, it } from 'vitest';
import { fuzzAll } from './hostile/fuzz.ts';
import { fuzzReader } from './support/fuzz.ts';

describe('reader fuzzing (fixed seed)', () => {
  it('mutated valid files only ever give StudioError, each within a second of CPU time', () => {
    const report = fuzzReader(400, 20261126);
    expect(report.cases).toBe(400);
    expect(report.rejected).toBeGreaterThan(0);
    expect(report.slowestMs).toBeLessThan(1000);
  });
});

describe('structure-aware fuzzing of every parser (fixed seed; longer in `npm run bench hostile`)', () => {
  it('zip, pickle, bytes, PNG, prompt and infotext cases end valid or as a StudioError, each in bounded CPU time', () => {
    const report = fuzzAll(900, 0x11c0ffee);
    console.log(`fuzz: ${report.cases} cases ${JSON.stringify(report.byKind)}, ${report.valid} valid, ${report.rejected} rejected; slowest ${report.slowestCpuMs.toFixed(0)} ms CPU (${report.slowest})`);
    expect(report.cases).toBe(900);
    // every strategy must reach both outcomes somewhere, or it is not exercising the parser
    expect(report.valid).toBeGreaterThan(100);
    expect(report.rejected).toBeGreaterThan(100);
    expect(report.slowestCpuMs).toBeLessThan(3000);
  }, 300_000);
});
