/** The plot's cells in A1111's order, their requests and stacks, the batching decision and the stack switches. */
import { describe, expect, it } from 'vitest';
import type { GenerateRequest } from '../pipeline/types.ts';
import type { ParsedAxis } from './axes.ts';
import { MAX_PLOT_CELLS, planCells, planRuns, stackSwitches, type PlotInput, type StackSlot } from './plan.ts';

const base: GenerateRequest = { prompt: 'p', negativePrompt: '', sampler: 'Euler a', steps: 20, cfgScale: 7, seed: 42, width: 64, height: 64, batchCount: 3, batchSize: 2 };
const axis = (type: ParsedAxis['type'], values: ParsedAxis['values']): ParsedAxis => ({ type, text: values.join(', '), values, fixedSeeds: null });
const nothing = axis('Nothing', [null]);
const stripes: StackSlot = { id: 'h1', name: 'stripes', strength: 0.8 };
const invert: StackSlot = { id: 'h2', name: 'invert', strength: 0.5 };
const ids: Record<string, string> = { stripes: 'h1', invert: 'h2' };
const input = (axes: PlotInput['axes'], stack: StackSlot[] = [stripes], target: number | null = 0): PlotInput => ({ axes, base, stack, target, idOf: (n) => ids[n], randomSeed: () => 9 });

describe('cells', () => {
  it('x fastest, then y, then z; each cell one image with its axis values', () => {
    const cells = planCells(input([axis('Seed', [1, 2]), axis('Steps', [5, 6, 7]), axis('CFG Scale', [3, 4])]));
    expect(cells).toHaveLength(12);
    expect(cells.map((c) => [c.ix, c.iy, c.iz]).slice(0, 4)).toEqual([[0, 0, 0], [1, 0, 0], [0, 1, 0], [1, 1, 0]]);
    expect(cells.map((c) => c.index)).toEqual([...Array(12).keys()]);
    expect(cells[7]!.request).toMatchObject({ seed: 2, steps: 5, cfgScale: 4, batchCount: 1, batchSize: 1, sampler: 'Euler a' });
  });
  it('bounds the cells and refuses an axis type used twice', () => {
    const many = axis('Seed', [...Array(8).keys()]);
    expect(() => planCells(input([many, axis('Steps', [...Array(8).keys()].map((i) => i + 1)), nothing]))).not.toThrow();
    expect(() => planCells(input([many, axis('Steps', [...Array(8).keys()].map((i) => i + 1)), axis('CFG Scale', [1, 2])]))).toThrow(`at most ${MAX_PLOT_CELLS} images (this one 128)`);
    expect(() => planCells(input([axis('Seed', [1]), axis('Seed', [2]), nothing]))).toThrow(/once/);
  });
  it('the hypernetwork axis replaces the target slot; None removes it; strength acts on the slot', () => {
    const cells = planCells(input([axis('Hypernetwork', [null, 'invert', 'stripes']), axis('Hypernet str.', [0.25]), nothing], [stripes, invert], 0));
    expect(cells.map((c) => c.stack)).toEqual([
      [invert],
      // invert in the target's place; the other copy of invert is dropped
      [{ id: 'h2', name: 'invert', strength: 0.25 }],
      [{ ...stripes, strength: 0.25 }, invert],
    ]);
    expect(cells.map((c) => c.slot)).toEqual([null, 0, 0]);
    // an empty stack: the named file alone at strength 1
    const alone = planCells(input([axis('Hypernetwork', ['invert']), nothing, nothing], [], null));
    expect(alone[0]!.stack).toEqual([{ id: 'h2', name: 'invert', strength: 1 }]);
  });
  it('a seed kept at -1 is drawn per cell', () => {
    const cells = planCells({ ...input([axis('Steps', [1, 2]), nothing, nothing]), base: { ...base, seed: -1 }, randomSeed: (() => { let n = 100; return () => n++; })() });
    expect(cells.map((c) => c.request.seed)).toEqual([100, 101]);
  });
});

describe('runs', () => {
  it('cells differing only in the strength join one sweep; other axes run cell by cell', () => {
    const cells = planCells(input([axis('Hypernet str.', [0, 0.5, 1]), axis('Seed', [1, 2]), nothing]));
    const runs = planRuns(cells, { sweepStrength: true });
    expect(runs.map((r) => [r.cells, r.sweep])).toEqual([
      [[0, 1, 2], { index: 0, strengths: [0, 0.5, 1] }],
      [[3, 4, 5], { index: 0, strengths: [0, 0.5, 1] }],
    ]);
    expect(runs[1]!.request.seed).toBe(2);
    expect(planRuns(cells, { sweepStrength: false }).map((r) => r.cells)).toEqual([[0], [1], [2], [3], [4], [5]]);
    const noStrength = planRuns(planCells(input([axis('Seed', [1, 2]), axis('Steps', [3, 4]), nothing])), { sweepStrength: true });
    expect(noStrength.map((r) => r.sweep)).toEqual([null, null, null, null]);
  });
  it('orders runs so each stack is applied once (the hypernetwork axis outermost)', () => {
    const cells = planCells(input([axis('Hypernetwork', ['stripes', 'invert']), axis('Seed', [1, 2, 3]), nothing], [stripes], 0));
    const runs = planRuns(cells, { sweepStrength: true });
    expect(runs.map((r) => r.cells[0])).toEqual([0, 2, 4, 1, 3, 5]);
    expect(stackSwitches(runs, [stripes])).toBe(1);
    expect(stackSwitches(cells.map((c) => ({ cells: [c.index], request: c.request, stack: c.stack, sweep: null })), [stripes])).toBe(5);
  });
  it('splits a long sweep into runs of at most 16 strengths', () => {
    const cells = planCells(input([axis('Hypernet str.', [...Array(20).keys()].map((i) => i / 10)), nothing, nothing]));
    expect(planRuns(cells, { sweepStrength: true }).map((r) => r.cells.length)).toEqual([16, 4]);
  });
});
