/**
 * The X/Y/Z plot through the engine: the axes parsed as A1111 reads them, the cells planned (strength-only
 * differences as one batched sweep, each hypernetwork stack applied once), run one engine call after another
 * with progress over all cells, cancellable, the images kept with their own parameters. While it runs the
 * generation slice says 'running', so Generate, live mode and sweeps wait and Cancel / Escape stop the plot.
 */
import { parseAxis, type AxisContext, type AxisType, type ParsedAxis } from '../../core/diffusion/xyz/axes.ts';
import { axisLabels, MAX_PLOT_CELLS, planCells, planRuns, stackSwitches, type PlotRun, type StackSlot } from '../../core/diffusion/xyz/plan.ts';
import { findSampler } from '../../core/diffusion/schedulers/index.ts';
import { StudioError } from '../../core/errors.ts';
import type { ProgressEvent } from '../../core/progress.ts';
import { getEngine } from '../../engine/client.ts';
import { toUiError } from '../errors.ts';
import { entryName } from '../hypernetwork-entry.ts';
import { widthMismatch } from '../stack-reach.ts';
import { useStudio, type StudioState } from '../store.ts';
import { addToGallery } from './gallery.ts';
import { buildRequest, previewInterval, randomSeedValue, toResultImage } from './generation.ts';
import { trackRun } from './run-control.ts';
import { applyStackList, syncStack, wantedStack } from './stack-sync.ts';
import { sweepIndex } from './sweep.ts';
import { useXyz, type XyzCellResult, type XyzRunInfo, type XyzState } from './xyz-state.ts';

export const AXIS_LETTERS = ['X', 'Y', 'Z'] as const;

export function setXyzAxis(axis: 0 | 1 | 2, patch: { type?: AxisType; text?: string }): void {
  useXyz.setState((s) => {
    const axes = [...s.axes] as XyzState['axes'];
    axes[axis] = { ...axes[axis], ...patch };
    return { axes };
  });
}

export function setXyzOptions(patch: Partial<Pick<XyzState, 'keepRandomSeeds' | 'includeSubImages'>>): void {
  useXyz.setState(patch);
}

export function dismissXyzError(): void {
  useXyz.setState({ error: null });
}

/**
 * The names the hypernetwork axis accepts: the library's hypernetworks that read and act on the loaded model (a
 * file with none of its widths would change nothing and is never sent to the engine).
 */
export function libraryNames(state: StudioState): { id: string; name: string }[] {
  return state.hypernetworks.flatMap((e) => (e.status === 'ready' && !widthMismatch(e.card.sizes, state.model.info) ? [{ id: e.id, name: entryName(e) }] : []));
}

function axisContext(state: StudioState, keepRandomSeeds: boolean, randomSeed: () => number): AxisContext {
  return {
    samplerLabel: (name) => (findSampler(name) ? canonicalSampler(name) : undefined),
    hypernetworks: libraryNames(state).map((h) => h.name),
    randomSeed,
    keepRandomSeeds,
  };
}

/** The name as typed when it is A1111's own (a combined "DPM++ 2M Karras" stays combined), else the label. */
function canonicalSampler(name: string): string {
  const def = findSampler(name)!;
  return def.meta.label.toLowerCase() === name.toLowerCase() ? def.meta.label : name;
}

function parseAll(state: StudioState, xyz: XyzState, randomSeed: () => number): [ParsedAxis, ParsedAxis, ParsedAxis] {
  const ctx = axisContext(state, xyz.keepRandomSeeds, randomSeed);
  const axes = xyz.axes.map((a, i) => parseAxis(a, AXIS_LETTERS[i]!, ctx)) as [ParsedAxis, ParsedAxis, ParsedAxis];
  // the loaded model's own clip skip limit, said before the plot starts rather than by the engine halfway through
  const max = state.model.info?.clipSkipMax;
  for (const [i, axis] of axes.entries()) {
    const over = axis.type === 'Clip skip' && max !== undefined ? axis.values.find((v) => typeof v === 'number' && v > max) : undefined;
    if (over !== undefined) throw new StudioError('bad-request', `${AXIS_LETTERS[i]} (Clip skip): ${over} is more than this model's ${max} text encoder layers.`);
  }
  return axes;
}

export type XyzPreview = { ok: true; counts: [number, number, number]; cells: number } | { ok: false; error: string };

/** "3 × 4 = 12 images" before running, or why the axes do not parse (no seeds are drawn). */
export function xyzPreview(state: StudioState, xyz: XyzState): XyzPreview {
  try {
    const axes = parseAll(state, xyz, () => 0);
    const counts = axes.map((a) => a.values.length) as [number, number, number];
    const cells = counts[0] * counts[1] * counts[2];
    const used = axes.map((a) => a.type).filter((t) => t !== 'Nothing');
    if (new Set(used).size !== used.length) return { ok: false, error: 'Each axis type may be used once.' };
    if (cells > MAX_PLOT_CELLS) return { ok: false, error: `${counts.join(' × ')} = ${cells} images: a plot makes at most ${MAX_PLOT_CELLS}.` };
    return { ok: true, counts, cells };
  } catch (e) {
    return { ok: false, error: toUiError(e).message };
  }
}

/** Why the plot cannot run now, or null. */
export function xyzBlocker(state: StudioState): string | null {
  if (state.model.status !== 'ready' || !state.model.info) return 'Load a model first.';
  if (state.generation.status !== 'idle') return 'A generation is running.';
  return null;
}

/** Runs the plot with the form's settings; resolves when it ends (the outcome is in `useXyz`), never rejects. */
export function runXyzPlot(): Promise<void> {
  const state = useStudio.getState();
  const xyz = useXyz.getState();
  const blocker = xyzBlocker(state);
  if (blocker !== null || xyz.status !== 'idle') return Promise.resolve();
  let runs: PlotRun[];
  let axes: [ParsedAxis, ParsedAxis, ParsedAxis];
  let cellsOf: Map<number, { ix: number; iy: number; iz: number }>;
  const initial: StackSlot[] = wantedStack(state);
  try {
    axes = parseAll(state, xyz, randomSeedValue);
    const { params } = state.generation;
    // A1111's fix_seed: one seed for the whole plot unless "Keep -1 for seeds"
    const seed = params.randomSeed ? (xyz.keepRandomSeeds ? -1 : randomSeedValue()) : params.seed;
    const variationSeed = params.variationSeed === -1 ? randomSeedValue() : params.variationSeed;
    const base = { ...buildRequest(params, seed, state.model.info!.defaultSize, variationSeed), previewEvery: 0 };
    const ids = new Map(libraryNames(state).map((h) => [h.name, h.id]));
    const cells = planCells({ axes, base, stack: initial, target: sweepIndex(state), idOf: (name) => ids.get(name), randomSeed: randomSeedValue });
    cellsOf = new Map(cells.map((c) => [c.index, c]));
    runs = planRuns(cells, { sweepStrength: true });
  } catch (e) {
    useXyz.setState({ error: toUiError(e) });
    return Promise.resolve();
  }
  useXyz.setState({ status: 'running', error: null, progress: { done: 0, cells: cellsOf.size, run: 1, runs: runs.length } });
  useStudio.setState((s) => ({ generation: { ...s.generation, status: 'running', error: null, preview: null, progress: null } }));
  return trackRun(execute(axes, runs, cellsOf, initial));
}

async function execute(axes: [ParsedAxis, ParsedAxis, ParsedAxis], runs: PlotRun[], cellsOf: Map<number, { ix: number; iy: number; iz: number }>, initial: StackSlot[]): Promise<void> {
  const started = performance.now();
  const total = cellsOf.size;
  const done: XyzCellResult[] = [];
  const infos: XyzRunInfo[] = [];
  try {
    for (const [r, run] of runs.entries()) {
      if (useStudio.getState().generation.status === 'cancelling') throw new StudioError('cancelled', 'cancelled');
      useXyz.setState({ progress: { done: done.length, cells: total, run: r + 1, runs: runs.length } });
      await applyStackList(run.stack);
      const request = { ...run.request, ...(run.sweep ? { sweep: run.sweep } : {}), previewEvery: previewInterval(run.request.steps) };
      const response = await getEngine().generate(request, (event) => onProgress(event, done.length, run.cells.length, total));
      if (response.images.length !== run.cells.length) throw new StudioError('internal-error', `The engine made ${response.images.length} images for ${run.cells.length} cells.`);
      for (const [k, image] of response.images.entries()) {
        const index = run.cells[k]!;
        done.push({ index, ...cellsOf.get(index)!, image: toResultImage(image) });
      }
      infos.push({ cells: run.cells.length, mode: response.sweep?.mode ?? 'single', unetCalls: response.timings.unetCalls });
    }
    done.sort((a, b) => a.index - b.index);
    const result = {
      axes,
      labels: axes.map(axisLabels) as [string[], string[], string[]],
      cells: done,
      runs: infos,
      unetCalls: infos.reduce((n, i) => n + i.unetCalls, 0),
      stackSwitches: stackSwitches(runs, initial),
      totalMs: performance.now() - started,
    };
    useXyz.setState({ result, status: 'idle', progress: null });
    if (useXyz.getState().includeSubImages) void addToGallery(done.map((c) => c.image));
  } catch (e) {
    const error = toUiError(e);
    if (error.code === 'cancelled') error.message = `The X/Y/Z plot was cancelled after ${done.length} of ${total} images; the previous plot is kept.`;
    useXyz.setState({ status: 'idle', progress: null, error });
  }
  useStudio.setState((s) => ({ generation: { ...s.generation, status: 'idle', progress: null, preview: null } }));
  // the panel's own stack again
  void syncStack();
}

/** The engine's progress of one call as progress over the whole plot (the main output's bar and preview). */
function onProgress(event: ProgressEvent, before: number, inRun: number, total: number): void {
  if (event.phase !== 'denoise' || useStudio.getState().generation.status === 'idle') return;
  const image = before + Math.min(event.image, inRun - 1);
  const fraction = (before + ((event.image + event.step / event.steps) / event.images) * inRun) / total;
  useStudio.setState((s) => ({
    generation: {
      ...s.generation,
      progress: { phase: 'denoise', image, images: total, step: event.step, steps: event.steps, elapsedMs: event.elapsedMs, etaMs: null, fraction },
      preview: event.preview ?? s.generation.preview,
    },
  }));
}
