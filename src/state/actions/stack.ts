/**
 * Actions of the stack slice: the hypernetworks that run inside the U-Net, their order and strengths, kept in
 * sync with the engine (`setHypernetworks`) and with the prompt's `<hypernet:name:mult>` tags.
 *
 * Engine calls are serialized in one queue and each reads the store when it runs, so a burst of slider moves
 * costs one call per engine round trip. Only a change of the enabled set or order rebuilds the U-Net session
 * ("compiling"); a strength change is a new graph input value. The engine refuses stack changes while it
 * generates: a change made during a run is applied when the run ends (and every run applies the stack first).
 */
import { getEngine } from '../../engine/client.ts';
import { toUiError } from '../errors.ts';
import { entryName, type HypernetworkEntry } from '../hypernetwork-entry.ts';
import { hasTag, renameTag, promptHypernets, removeTag, setTagMultiplier } from '../prompt-tags.ts';
import type { AppliedStack, StackEntry, StackState } from '../stack-types.ts';
import { useStudio, type StudioState } from '../store.ts';

let queue: Promise<void> = Promise.resolve();
/** engine calls queued or in flight */
let pending = 0;

function enqueue(forRun: boolean): Promise<void> {
  pending += 1;
  const run = queue.then(() => apply(forRun)).finally(() => (pending -= 1));
  queue = run.catch(() => undefined);
  return run;
}

function setStack(next: (stack: StackState, state: StudioState) => Partial<StackState>): void {
  useStudio.setState((s) => ({ stack: { ...s.stack, ...next(s.stack, s) } }));
}

function readyEntry(state: StudioState, id: string): Extract<HypernetworkEntry, { status: 'ready' }> | undefined {
  const entry = state.hypernetworks.find((e) => e.id === id);
  return entry?.status === 'ready' ? entry : undefined;
}

/** The A1111 name (file stem) of a library entry. */
export function stemOf(state: StudioState, id: string): string | undefined {
  const entry = state.hypernetworks.find((e) => e.id === id);
  return entry ? entryName(entry) : undefined;
}

/**
 * The library entry a tag name selects: exact, case-sensitive stem match among the files read successfully; a
 * later duplicate stem wins, as in A1111.
 */
export function entryForName(state: StudioState, name: string): string | undefined {
  let found: string | undefined;
  for (const e of state.hypernetworks) if (e.status === 'ready' && entryName(e) === name) found = e.id;
  return found;
}

/**
 * Renames a library entry (the display and tag name); a prompt tag that selected it is rewritten to the new
 * name so the stack keeps it.
 */
export function renameEntry(id: string, name: string | undefined): void {
  const state = useStudio.getState();
  const before = taggedName(state, id);
  useStudio.setState((s) => ({ hypernetworks: s.hypernetworks.map((e) => (e.id === id ? { ...e, name } : e)) }));
  const after = stemOf(useStudio.getState(), id);
  if (before !== undefined && after !== undefined && before !== after) setPrompt(renameTag(state.generation.params.prompt, before, after));
  void syncStack(); // the engine's infotext tags carry the new name
}

/** The tag name of an entry when the prompt's tag of that name selects this very entry. */
function taggedName(state: StudioState, id: string): string | undefined {
  const name = stemOf(state, id);
  if (name === undefined || entryForName(state, name) !== id) return undefined;
  return hasTag(state.generation.params.prompt, name) ? name : undefined;
}

function setPrompt(prompt: string): void {
  useStudio.setState((s) => ({ generation: { ...s.generation, params: { ...s.generation.params, prompt } } }));
}

// ---------- editing the stack ----------

/** "Add to stack": appends a successfully read hypernetwork, enabled at strength 1 (or enables it if there). */
export function addToStack(id: string, strength = 1): void {
  const state = useStudio.getState();
  if (!readyEntry(state, id)) return;
  if (state.stack.entries.some((e) => e.id === id)) {
    setEnabled(id, true);
    return;
  }
  setStack((st) => ({ entries: [...st.entries, { id, enabled: true, strength }] }));
  void syncStack();
}

/** Takes an entry out of the stack (the file stays in the library); its prompt tag goes too. */
export function removeFromStack(id: string): void {
  const state = useStudio.getState();
  const name = taggedName(state, id);
  if (name !== undefined) setPrompt(removeTag(state.generation.params.prompt, name));
  setStack((st) => ({ entries: st.entries.filter((e) => e.id !== id), tagged: st.tagged.filter((t) => t !== id) }));
  void syncStack();
}

/** Empties the stack: the engine goes back to the base U-Net. Tags of the stack's entries leave the prompt. */
export function clearStack(): void {
  for (const e of useStudio.getState().stack.entries) removeFromStack(e.id);
}

/** The enable toggle. Disabling a tagged entry removes its tag, so the prompt never names an unused network. */
export function setEnabled(id: string, enabled: boolean): void {
  const state = useStudio.getState();
  if (!enabled) {
    const name = taggedName(state, id);
    if (name !== undefined) setPrompt(removeTag(state.generation.params.prompt, name));
  }
  setStack((st) => ({
    entries: st.entries.map((e) => (e.id === id ? { ...e, enabled } : e)),
    tagged: enabled ? st.tagged : st.tagged.filter((t) => t !== id),
  }));
  void syncStack();
}

/**
 * The slider and the number field: any finite number (NaN and ±Infinity are ignored). A prompt tag naming this
 * entry gets the new multiplier.
 */
export function setStrength(id: string, strength: number): void {
  if (!Number.isFinite(strength)) return;
  const state = useStudio.getState();
  if (!state.stack.entries.some((e) => e.id === id)) return;
  const name = taggedName(state, id);
  if (name !== undefined) setPrompt(setTagMultiplier(state.generation.params.prompt, name, strength));
  setStack((st) => ({ entries: st.entries.map((e) => (e.id === id ? { ...e, strength } : e)) }));
  void syncStack();
}

/** Moves an entry to `index` (drag and drop). */
export function moveStackEntry(id: string, index: number): void {
  const { entries } = useStudio.getState().stack;
  const from = entries.findIndex((e) => e.id === id);
  if (from < 0) return;
  const to = Math.max(0, Math.min(entries.length - 1, index));
  if (to === from) return;
  const next = [...entries];
  const [moved] = next.splice(from, 1);
  if (moved) next.splice(to, 0, moved);
  setStack(() => ({ entries: next }));
  void syncStack();
}

/** The keyboard-accessible move buttons: −1 = up (applied earlier), +1 = down. */
export function moveStackEntryBy(id: string, delta: -1 | 1): void {
  const index = useStudio.getState().stack.entries.findIndex((e) => e.id === id);
  if (index >= 0) moveStackEntry(id, index + delta);
}

/** A library entry was removed: it leaves the stack (its tag stays in the prompt and now reads as unknown). */
export function dropFromStack(ids: readonly string[]): Promise<void> {
  const gone = new Set(ids);
  setStack((st) => ({ entries: st.entries.filter((e) => !gone.has(e.id)), tagged: st.tagged.filter((t) => !gone.has(t)) }));
  return syncStack();
}

// ---------- prompt tags ----------

/**
 * Makes the stack follow the prompt's `<hypernet:name:mult>` tags: each known name is enabled at its
 * multiplier, the tagged entries come first in tag order (A1111 applies tags in prompt order), and an entry
 * whose tag was deleted is disabled. Unknown names are ignored (the panel warns). An unparsable multiplier
 * makes A1111 apply no tag hypernetwork: the stack is then left as it is.
 */
export function applyPromptTags(prompt = useStudio.getState().generation.params.prompt): void {
  const state = useStudio.getState();
  const { tags, error } = promptHypernets(prompt);
  if (error) return;
  const selected: { id: string; strength: number }[] = [];
  for (const tag of tags) {
    const id = entryForName(state, tag.name);
    if (id === undefined || selected.some((s) => s.id === id)) continue; // unknown, or a repeated tag: the first counts
    if (!Number.isFinite(tag.multiplier)) continue; // inf/nan parse in Python but would poison the image
    selected.push({ id, strength: tag.multiplier });
  }
  const selectedIds = selected.map((s) => s.id);
  const { entries, tagged } = state.stack;
  // the same tags as before, already in effect: keep a manual reorder of the panel until the tags change
  const inEffect = selected.every(({ id, strength }) => entries.some((e) => e.id === id && e.enabled && Object.is(e.strength, strength)));
  if (inEffect && selectedIds.length === tagged.length && selectedIds.every((id, i) => tagged[i] === id)) return;
  const untagged = new Set(tagged.filter((id) => !selectedIds.includes(id)));
  if (selected.length === 0 && untagged.size === 0) {
    if (tagged.length) setStack(() => ({ tagged: [] }));
    return;
  }
  const first: StackEntry[] = selected.map(({ id, strength }) => ({ id, enabled: true, strength }));
  const rest = entries.filter((e) => !selectedIds.includes(e.id)).map((e) => (untagged.has(e.id) ? { ...e, enabled: false } : e));
  const next = [...first, ...rest];
  const same =
    next.length === entries.length &&
    next.every((e, i) => {
      const old = entries[i];
      return old !== undefined && old.id === e.id && old.enabled === e.enabled && Object.is(old.strength, e.strength);
    });
  const sameTagged = selectedIds.length === tagged.length && selectedIds.every((id, i) => tagged[i] === id);
  if (same && sameTagged) return;
  setStack(() => ({ entries: same ? entries : next, tagged: selectedIds }));
  if (!same) void syncStack();
}

/** Tag names of the prompt that no loaded hypernetwork has (A1111 skips them silently; the panel says so). */
export function unknownTagNames(state: StudioState): string[] {
  const { tags } = promptHypernets(state.generation.params.prompt);
  return [...new Set(tags.map((t) => t.name).filter((name) => entryForName(state, name) === undefined))];
}

// ---------- engine sync ----------

/** The enabled entries as the engine takes them, in order (entries still reading or failed are skipped). */
export function wantedStack(state: StudioState): { id: string; strength: number; name: string }[] {
  return state.stack.entries.flatMap(({ id, strength, enabled }) => {
    const entry = enabled ? readyEntry(state, id) : undefined;
    return entry ? [{ id, strength, name: entryName(entry) }] : [];
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

function sameStack(applied: AppliedStack, wanted: { id: string; strength: number; name: string }[]): boolean {
  return (
    applied.ids.length === wanted.length &&
    wanted.every((w, i) => applied.ids[i] === w.id && Object.is(applied.strengths[i], w.strength) && applied.names[i] === w.name)
  );
}

/** The engine's stack is gone (a model load, a lost device): the next sync sends it again. */
export function forgetAppliedStack(): void {
  const { applied, sync, error } = useStudio.getState().stack;
  if (applied === null && sync === 'idle' && error === null) return;
  setStack(() => ({ applied: null, sync: 'idle', error: null }));
}

/** Resolves once every queued engine call is done (tests, and removing files after their stack change). */
export function whenStackSynced(): Promise<void> {
  return queue;
}

async function apply(forRun: boolean): Promise<void> {
  const state = useStudio.getState();
  if (state.model.status !== 'ready') return;
  if (!forRun && state.generation.status !== 'idle') return;
  const wanted = wantedStack(state);
  const { applied } = state.stack;
  const ids = wanted.map((w) => w.id);
  const strengths = wanted.map((w) => w.strength);
  const sameSet = applied !== null && applied.ids.length === ids.length && applied.ids.every((id, i) => id === ids[i]);
  if (applied !== null && sameStack(applied, wanted) && !state.stack.error) return;
  setStack(() => ({ sync: sameSet ? 'updating' : 'compiling' }));
  try {
    const info = await getEngine().setHypernetworks(wanted, (event) => {
      if (event.phase === 'compile' && useStudio.getState().stack.sync !== 'compiling') setStack(() => ({ sync: 'compiling' }));
    });
    setStack(() => ({ applied: { ids, strengths, names: wanted.map((w) => w.name), info }, sync: 'idle', error: null }));
  } catch (e) {
    const error = toUiError(e);
    setStack(() => ({ sync: 'idle', error }));
    if (forRun) throw e;
  }
}
