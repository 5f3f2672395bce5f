/**
 * Editing the hypernetwork stack: which loaded files run inside the U-Net, in which order, at which strength.
 * The store owns the stack. The prompt's `<hypernet:name:mult>` tags mirror its enabled entries in order, as
 * A1111's extra-network cards write them: every edit here rewrites the tags to match (the prompt is written,
 * never read back); a prompt typed by the user is read once, in `prompt.ts`. The engine gets the numbers
 * (`stack-sync.ts`).
 */
import { formatHypernetTag, hasTag, orderTags, removeTag, renameTag, setTagMultiplier } from '../../core/diffusion/prompt/hypernet-tags.ts';
import { entryName } from '../hypernetwork-entry.ts';
import type { StackEntry } from '../stack-types.ts';
import { useStudio, type StudioState } from '../store.ts';
import { syncStack } from './stack-sync.ts';

function setEntries(next: (entries: StackEntry[]) => StackEntry[]): void {
  useStudio.setState((s) => ({ stack: { ...s.stack, entries: next(s.stack.entries) } }));
}

function editPrompt(edit: (prompt: string) => string): void {
  useStudio.setState((s) => {
    const prompt = edit(s.generation.params.prompt);
    return prompt === s.generation.params.prompt ? s : { generation: { ...s.generation, params: { ...s.generation.params, prompt } } };
  });
}

/** The tag name (display name, else A1111's file stem) of a library entry. */
export function stemOf(state: StudioState, id: string): string | undefined {
  const entry = state.hypernetworks.find((e) => e.id === id);
  return entry ? entryName(entry) : undefined;
}

/** The library entry a tag name selects: an exact, case-sensitive match among the files read successfully. */
export function entryForName(state: StudioState, name: string): string | undefined {
  return state.hypernetworks.find((e) => e.status === 'ready' && entryName(e) === name)?.id;
}

/** The prompt's tags follow the enabled entries: each has one tag, at its strength, in stack order. */
function writeTags(): void {
  const state = useStudio.getState();
  const enabled = state.stack.entries.flatMap((e) => {
    const name = e.enabled ? stemOf(state, e.id) : undefined;
    return name === undefined ? [] : [{ name, strength: e.strength }];
  });
  editPrompt((prompt) => {
    let out = prompt;
    for (const { name, strength } of enabled) {
      out = hasTag(out, name) ? out : `${out.replace(/[ \t]+$/, '')}${out.trim() ? ' ' : ''}${formatHypernetTag(name, strength)}`;
    }
    return orderTags(out, enabled.map((e) => e.name));
  });
}

/** Renames a library entry (its display and tag name); its prompt tag is renamed with it. */
export function renameEntry(id: string, name: string | undefined): void {
  const before = stemOf(useStudio.getState(), id);
  useStudio.setState((s) => ({ hypernetworks: s.hypernetworks.map((e) => (e.id === id ? { ...e, name } : e)) }));
  const after = stemOf(useStudio.getState(), id);
  if (before !== undefined && after !== undefined && before !== after) editPrompt((p) => renameTag(p, before, after));
  void syncStack(); // the engine's infotext tags carry the new name
}

/** "Add to stack": appends a successfully read hypernetwork, enabled at strength 1 (or enables it if there). */
export function addToStack(id: string, strength = 1): void {
  const state = useStudio.getState();
  if (state.hypernetworks.find((e) => e.id === id)?.status !== 'ready') return;
  if (state.stack.entries.some((e) => e.id === id)) return setEnabled(id, true);
  setEntries((entries) => [...entries, { id, enabled: true, strength }]);
  writeTags();
  void syncStack();
}

/** Takes an entry out of the stack (the file stays in the library); its prompt tag goes too. */
export function removeFromStack(id: string): void {
  const name = stemOf(useStudio.getState(), id);
  if (name !== undefined) editPrompt((p) => removeTag(p, name));
  setEntries((entries) => entries.filter((e) => e.id !== id));
  void syncStack();
}

/** Empties the stack: the engine goes back to the base U-Net. Tags of the stack's entries leave the prompt. */
export function clearStack(): void {
  for (const e of useStudio.getState().stack.entries) removeFromStack(e.id);
}

/** The enable switch. An entry switched off stays in the panel; its tag leaves the prompt (and comes back). */
export function setEnabled(id: string, enabled: boolean): void {
  const name = stemOf(useStudio.getState(), id);
  setEntries((entries) => entries.map((e) => (e.id === id ? { ...e, enabled } : e)));
  if (!enabled && name !== undefined) editPrompt((p) => removeTag(p, name));
  writeTags();
  void syncStack();
}

/** The slider and the number field: any finite number (NaN and ±Infinity are ignored); the tag follows. */
export function setStrength(id: string, strength: number): void {
  if (!Number.isFinite(strength)) return;
  const state = useStudio.getState();
  const entry = state.stack.entries.find((e) => e.id === id);
  if (!entry) return;
  const name = stemOf(state, id);
  setEntries((entries) => entries.map((e) => (e.id === id ? { ...e, strength } : e)));
  if (entry.enabled && name !== undefined) editPrompt((p) => setTagMultiplier(p, name, strength));
  void syncStack();
}

/** Moves an entry to `index` (drag and drop); the prompt's tags take the new order. */
export function moveStackEntry(id: string, index: number): void {
  const { entries } = useStudio.getState().stack;
  const from = entries.findIndex((e) => e.id === id);
  if (from < 0) return;
  const to = Math.max(0, Math.min(entries.length - 1, index));
  if (to === from) return;
  const next = [...entries];
  const [moved] = next.splice(from, 1);
  if (moved) next.splice(to, 0, moved);
  setEntries(() => next);
  writeTags();
  void syncStack();
}

/** The keyboard-accessible move buttons: −1 = up (applied earlier), +1 = down. */
export function moveStackEntryBy(id: string, delta: -1 | 1): void {
  const index = useStudio.getState().stack.entries.findIndex((e) => e.id === id);
  if (index >= 0) moveStackEntry(id, index + delta);
}

/** Library entries were removed: they leave the stack (a tag naming them stays, and reads as unknown). */
export function dropFromStack(ids: readonly string[]): Promise<void> {
  const gone = new Set(ids);
  setEntries((entries) => entries.filter((e) => !gone.has(e.id)));
  return syncStack();
}
