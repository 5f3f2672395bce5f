/**
 * The X/Y/Z plot's cells and how they run. Cells are numbered as A1111 numbers them (x fastest, then y, then z);
 * each maps to a GenerateRequest and a hypernetwork stack. Cells that differ only in the hypernetwork strength
 * of the same stack run as one strength sweep (the engine batches it: one U-Net call per step for all of them);
 * the others run one by one. Runs are ordered so the stack (a U-Net session rebuild) changes as rarely as it can:
 * the costliest axis outermost, as A1111 orders its loops by axis cost.
 */
import { StudioError } from '../../errors.ts';
import type { GenerateRequest } from '../pipeline/types.ts';
import { MAX_SWEEP } from '../pipeline/sweep.ts';
import { axisLabel, type AxisType, type AxisValue, type ParsedAxis } from './axes.ts';

/** The most images one plot makes (A1111 caps the grid's megapixels; a browser tab needs a tighter bound). */
export const MAX_PLOT_CELLS = 64;

/** One hypernetwork of a stack, as the engine takes it. */
export interface StackSlot {
  /** the library entry's id */
  id: string;
  /** its tag name */
  name: string;
  strength: number;
}

export interface PlotCell {
  /** A1111's index: ix + iy·|X| + iz·|X|·|Y| */
  index: number;
  ix: number;
  iy: number;
  iz: number;
  request: GenerateRequest;
  stack: StackSlot[];
  /** the stack slot the hypernetwork axes act on in this cell (null: none, e.g. "Hypernetwork: None") */
  slot: number | null;
}

/** One engine call: a single image, or a strength sweep over `slot` with one strength per cell. */
export interface PlotRun {
  cells: number[];
  request: GenerateRequest;
  stack: StackSlot[];
  sweep: { index: number; strengths: number[] } | null;
}

export interface PlotInput {
  axes: readonly [ParsedAxis, ParsedAxis, ParsedAxis];
  /** the form's request (its seed fixed, or -1 kept: see `keepRandomSeeds`) */
  base: GenerateRequest;
  /** the stack the panel holds, in order */
  stack: readonly StackSlot[];
  /** the slot the hypernetwork axes act on (the sweep's target), or null when the stack is empty */
  target: number | null;
  /** id of a library hypernetwork by name */
  idOf: (name: string) => string | undefined;
  /** draws a seed for a cell whose seed is still -1 ("Keep -1 for seeds": every cell its own) */
  randomSeed: () => number;
}

/** X·Y·Z cells, bounded. */
export function cellCount(axes: readonly ParsedAxis[]): number {
  return axes.reduce((n, a) => n * a.values.length, 1);
}

export function planCells({ axes, base, stack, target, idOf, randomSeed }: PlotInput): PlotCell[] {
  const count = cellCount(axes);
  if (count > MAX_PLOT_CELLS) throw new StudioError('bad-request', `An X/Y/Z plot makes at most ${MAX_PLOT_CELLS} images (this one ${count}).`);
  const types = axes.map((a) => a.type);
  if (new Set(types.filter((t) => t !== 'Nothing')).size !== types.filter((t) => t !== 'Nothing').length) {
    throw new StudioError('bad-request', 'Each axis type may be used once.');
  }
  const [xs, ys, zs] = axes.map((a) => a.values) as [AxisValue[], AxisValue[], AxisValue[]];
  const cells: PlotCell[] = [];
  for (const [iz, z] of zs.entries()) {
    for (const [iy, y] of ys.entries()) {
      for (const [ix, x] of xs.entries()) {
        const index = ix + iy * xs.length + iz * xs.length * ys.length;
        const settings = new Map<AxisType, AxisValue>([
          [axes[0].type, x],
          [axes[1].type, y],
          [axes[2].type, z],
        ]);
        const setup = cellSetup(settings, base, stack, target, idOf);
        if (setup.request.seed === -1) setup.request.seed = randomSeed();
        cells.push({ index, ix, iy, iz, ...setup });
      }
    }
  }
  return cells;
}

function cellSetup(settings: Map<AxisType, AxisValue>, base: GenerateRequest, stack: readonly StackSlot[], target: number | null, idOf: PlotInput['idOf']) {
  const request: GenerateRequest = { ...base, batchCount: 1, batchSize: 1 };
  for (const [type, value] of settings) {
    if (type === 'Seed') request.seed = value as number;
    else if (type === 'Steps') request.steps = value as number;
    else if (type === 'CFG Scale') request.cfgScale = value as number;
    else if (type === 'Sampler') request.sampler = value as string;
    else if (type === 'Clip skip') request.clipSkip = value as number;
  }
  const cells = [...stack];
  let slot = target;
  if (settings.has('Hypernetwork')) {
    const name = settings.get('Hypernetwork') as string | null;
    if (name === null) {
      // "None": the target slot is left out
      if (slot !== null) cells.splice(slot, 1);
      slot = null;
    } else {
      const id = idOf(name);
      if (id === undefined) throw new StudioError('bad-request', `Unknown hypernetwork: ${name}`);
      const at = slot ?? cells.length;
      // a stack slot takes the named file in place of the target, at the target's strength (1 on an empty stack)
      cells.splice(at, slot === null ? 0 : 1, { id, name, strength: slot === null ? 1 : cells[slot]!.strength });
      slot = at;
      // the same file twice in a stack: the engine would take it twice; keep the slot, drop the other copy
      const twin = cells.findIndex((c, i) => i !== slot && c.id === id);
      if (twin >= 0) {
        cells.splice(twin, 1);
        if (twin < slot) slot -= 1;
      }
    }
  }
  if (settings.has('Hypernet str.') && slot !== null) cells[slot] = { ...cells[slot]!, strength: settings.get('Hypernet str.') as number };
  return { request, stack: cells, slot };
}

/** Same stack files in the same order (a strength change is no rebuild). */
export function stackKey(stack: readonly StackSlot[]): string {
  return stack.map((s) => s.id).join('\u0000');
}

/** Everything a cell's image depends on except the target slot's strength. */
function sweepKey(cell: PlotCell): string {
  const strengths = cell.stack.map((s, i) => (i === cell.slot ? '*' : s.strength));
  return JSON.stringify([cell.request, stackKey(cell.stack), cell.slot, strengths]);
}

/**
 * The engine calls, in run order. Cells equal but for the target's strength join one sweep (at most MAX_SWEEP
 * strengths each); runs are grouped by stack, stacks in the order they first appear, so each distinct stack is
 * applied once.
 */
export function planRuns(cells: readonly PlotCell[], { sweepStrength }: { sweepStrength: boolean }): PlotRun[] {
  const groups = new Map<string, PlotCell[]>();
  for (const cell of cells) {
    const key = sweepStrength && cell.slot !== null ? sweepKey(cell) : `cell-${cell.index}`;
    const group = groups.get(key);
    if (group) group.push(cell);
    else groups.set(key, [cell]);
  }
  const runs: PlotRun[] = [];
  for (const group of groups.values()) {
    const first = group[0]!;
    if (group.length === 1 || first.slot === null) {
      for (const cell of group) runs.push({ cells: [cell.index], request: cell.request, stack: cell.stack, sweep: null });
      continue;
    }
    for (let i = 0; i < group.length; i += MAX_SWEEP) {
      const part = group.slice(i, i + MAX_SWEEP);
      const strengths = part.map((c) => c.stack[c.slot!]!.strength);
      runs.push({ cells: part.map((c) => c.index), request: first.request, stack: first.stack, sweep: part.length > 1 ? { index: first.slot, strengths } : null });
    }
  }
  // stable: the stacks in order of first appearance, cells in A1111's order within each
  const order = [...new Set(runs.map((r) => stackKey(r.stack)))];
  return runs.map((r, i) => ({ r, i })).sort((a, b) => order.indexOf(stackKey(a.r.stack)) - order.indexOf(stackKey(b.r.stack)) || a.i - b.i).map(({ r }) => r);
}

/** How many times the stack's files change over the runs (each a U-Net session rebuild), the first included. */
export function stackSwitches(runs: readonly PlotRun[], initial: readonly StackSlot[]): number {
  let key = stackKey(initial);
  let switches = 0;
  for (const run of runs) {
    const next = stackKey(run.stack);
    if (next !== key) switches += 1;
    key = next;
  }
  return switches;
}

/** Labels of each axis's values, A1111's format ("Seed: 5"). */
export function axisLabels(axis: ParsedAxis): string[] {
  return axis.values.map((v) => axisLabel(axis.type, v));
}
