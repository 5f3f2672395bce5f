/**
 * The stack the engine holds, kept in step with the store's (`setHypernetworks`): the store owns the entries and
 * their strengths; the engine gets numbers. Engine calls are serialized in one queue and each reads the store
 * when it runs, so a burst of slider moves costs one call per engine round trip. Only a change of the set or
 * order rebuilds the U-Net session ("compiling"); a strength change is a new graph input value. The engine
 * refuses stack changes while it generates: a change made during a run is applied when the run ends (and every
 * run applies the stack first).
 */
import { getEngine } from '../../engine/client.ts';
import { toUiError } from '../errors.ts';
import { entryName } from '../hypernetwork-entry.ts';
import { widthMismatch } from '../stack-reach.ts';
import type { AppliedStack, StackState } from '../stack-types.ts';
import { useStudio, type StudioState } from '../store.ts';

let queue: Promise<void> = Promise.resolve();
/** engine calls queued or in flight */
let pending = 0;

function enqueue(forRun: boolean, list?: readonly WantedEntry[]): Promise<void> {
  pending += 1;
  const run = queue.then(() => apply(forRun, list)).finally(() => (pending -= 1));
  queue = run.catch(() => undefined);
  return run;
}

function setStack(patch: Partial<StackState>): void {
  useStudio.setState((s) => ({ stack: { ...s.stack, ...patch } }));
}

/** One hypernetwork as the engine takes it. */
export interface WantedEntry {
  id: string;
  strength: number;
  /** its tag name, which the engine writes into the image's parameters */
  name: string;
}

/** Why a stack entry does nothing on the loaded model (no width in common), or null. */
export function entryMismatch(state: StudioState, id: string): string | null {
  const entry = state.hypernetworks.find((e) => e.id === id);
  return entry?.status === 'ready' ? widthMismatch(entry.card.sizes, state.model.info) : null;
}

/**
 * The enabled entries as the engine takes them, in order. Skipped: entries still reading or failed, and those
 * that match no width of the loaded model (they would change nothing, yet cost a rebuild and a false record).
 */
export function wantedStack(state: StudioState): WantedEntry[] {
  return state.stack.entries.flatMap(({ id, strength, enabled }) => {
    const entry = state.hypernetworks.find((e) => e.id === id);
    if (!enabled || entry?.status !== 'ready' || widthMismatch(entry.card.sizes, state.model.info)) return [];
    return [{ id, strength, name: entryName(entry) }];
  });
}

/**
 * Sends the stack to the engine if it differs from what the engine holds. A no-op without a ready model (a
 * model load syncs once it is ready) and while a run is in flight (the run's end syncs). Never rejects: a
 * failure is in `stack.error`.
 */
export function syncStack(): Promise<void> {
  return enqueue(false).catch(() => undefined);
}

/**
 * For `generate()`: applies the stack before the run; rejects when the engine refuses it. Null when the engine
 * already holds it (nothing queued, nothing changed; an empty stack on a fresh model), so the run starts at once.
 */
export function applyStackForRun(): Promise<void> | null {
  const state = useStudio.getState();
  if (pending === 0 && !state.stack.error) {
    const wanted = wantedStack(state);
    const { applied } = state.stack;
    if (applied === null ? wanted.length === 0 : sameStack(applied, wanted)) return null;
  }
  return enqueue(true);
}

function sameStack(applied: AppliedStack, wanted: readonly WantedEntry[]): boolean {
  return (
    applied.ids.length === wanted.length &&
    wanted.every((w, i) => applied.ids[i] === w.id && Object.is(applied.strengths[i], w.strength) && applied.names[i] === w.name)
  );
}

/**
 * For a run that needs another stack than the panel's (an X/Y/Z plot's hypernetwork axis): applies `list`; rejects
 * when the engine refuses it. The panel's stack comes back with the next `syncStack()`.
 */
export function applyStackList(list: readonly WantedEntry[]): Promise<void> {
  return enqueue(true, list);
}

/** The engine's stack is gone (a model load, a lost device): the next sync sends it again. */
export function forgetAppliedStack(): void {
  const { applied, sync, error } = useStudio.getState().stack;
  if (applied === null && sync === 'idle' && error === null) return;
  setStack({ applied: null, sync: 'idle', error: null });
}

/** Resolves once every queued engine call is done (tests, and removing files after their stack change). */
export function whenStackSynced(): Promise<void> {
  return queue;
}

async function apply(forRun: boolean, list?: readonly WantedEntry[]): Promise<void> {
  const state = useStudio.getState();
  if (state.model.status !== 'ready') return;
  if (!forRun && state.generation.status !== 'idle') return;
  const wanted = list ?? wantedStack(state);
  const { applied } = state.stack;
  const ids = wanted.map((w) => w.id);
  const sameSet = applied !== null && applied.ids.length === ids.length && applied.ids.every((id, i) => id === ids[i]);
  if (applied !== null && sameStack(applied, wanted) && !state.stack.error) return;
  setStack({ sync: sameSet ? 'updating' : 'compiling' });
  try {
    const info = await getEngine().setHypernetworks([...wanted], (event) => {
      if (event.phase === 'compile' && useStudio.getState().stack.sync !== 'compiling') setStack({ sync: 'compiling' });
    });
    setStack({ applied: { ids, strengths: wanted.map((w) => w.strength), names: wanted.map((w) => w.name), info }, sync: 'idle', error: null });
  } catch (e) {
    setStack({ sync: 'idle', error: toUiError(e) });
    if (forRun) throw e;
  }
}
