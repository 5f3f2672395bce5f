/**
 * Actions of the hypernetworks slice (the library): the only code that sends dropped files to the engine. A file
 * is recognised by the SHA-256 of its bytes (the same file dropped twice focuses its card instead of adding a
 * twin) and gets a name no other file has: the name its `<hypernet:name:mult>` tag uses, A1111's file stem
 * unless that is taken (A1111 itself would pick one of two same-stem files silently).
 */
import { isValidTagName } from '../../core/diffusion/prompt/hypernet-tags.ts';
import { getEngine } from '../../engine/client.ts';
import { toUiError } from '../errors.ts';
import { entryName, type EntryError, type HypernetworkEntry } from '../hypernetwork-entry.ts';
import { useStudio } from '../store.ts';
import { forgetKept, keepFile, keepName, keptFiles } from './hypernetwork-keep.ts';
import { setEntryOpen, setLibraryFilter } from './library-view.ts';
import { applyPromptTags } from './prompt.ts';
import { dropFromStack, renameEntry } from './stack.ts';

export { setHypernetworkLibrary } from './hypernetwork-keep.ts';

/** Past this a file is almost surely a model checkpoint; reading it could exhaust the tab's memory. */
export const MAX_HYPERNETWORK_BYTES = 1024 ** 3;

let nextId = 1;
/** Files are parsed one at a time so peak memory stays near one file, whatever was dropped. */
let queue: Promise<void> = Promise.resolve();

/**
 * Adds one card per file, in the given order, then parses them in the worker one after another.
 * Resolves when all of these files are done (each ends as a card, an error, or a focus on its twin).
 */
export function addHypernetworkFiles(files: Iterable<File>): Promise<void> {
  return addEntries(Array.from(files, (file) => ({ file })));
}

/** Cards for the files kept by earlier visits, re-read from their stored bytes, in drop order. */
export async function restoreHypernetworks(): Promise<void> {
  const stored = await keptFiles();
  await addEntries(stored.map((r) => ({ file: new File([r.bytes], r.fileName), storeKey: r.key, name: r.name ?? undefined })));
}

interface Incoming {
  file: File;
  /** set for restored files: they are kept already */
  storeKey?: string;
  name?: string;
}

function addEntries(incoming: Incoming[]): Promise<void> {
  const added = incoming.map((item) => ({ ...item, id: `hn-${nextId++}` }));
  if (added.length === 0) return Promise.resolve();
  setFocus(null);
  const entries: HypernetworkEntry[] = added.map(({ id, file, storeKey, name }) => ({
    id,
    fileName: file.name,
    fileSize: file.size,
    status: 'reading',
    ...(storeKey ? { storeKey, kept: { state: 'kept' } } : {}),
    ...(name ? { name } : {}),
  }));
  useStudio.setState((s) => ({ hypernetworks: [...s.hypernetworks, ...entries] }));
  for (const { id, file } of added) queue = queue.then(() => inspectEntry(id, file));
  return queue;
}

/**
 * Renames a card: the name shown and used by `<hypernet:name:mult>` tags (a tag selecting it is rewritten); blank
 * goes back to the file stem. Returns why a name is refused, or null once the new name is in use (the card says
 * when its kept copy has it too).
 */
export function renameHypernetwork(id: string, name: string): string | null {
  const trimmed = name.trim();
  const entry = useStudio.getState().hypernetworks.find((e) => e.id === id);
  if (!entry) return 'This file is no longer loaded.';
  if (trimmed !== '' && !isValidTagName(trimmed)) return 'A name cannot contain “:”, “<” or “>”.';
  const next = trimmed || undefined;
  const taken = takenNames(id);
  if (taken.has(entryName({ fileName: entry.fileName, name: next }))) return `Another file is already named “${entryName({ fileName: entry.fileName, name: next })}”.`;
  renameEntry(id, next);
  void keepName(id, next ?? null);
  return null;
}

/**
 * Removes a card: it leaves the stack (the engine goes back to the U-Net without it), the engine forgets the
 * parsed file, and its kept copy is deleted. The card says "Removing…" until that delete has committed;
 * resolves then.
 */
export function removeHypernetwork(id: string): Promise<void> {
  return removeEntries([id]);
}

export function clearHypernetworks(): Promise<void> {
  return removeEntries(useStudio.getState().hypernetworks.map((e) => e.id));
}

async function removeEntries(ids: readonly string[]): Promise<void> {
  const targets = useStudio.getState().hypernetworks.filter((e) => ids.includes(e.id) && e.status !== 'removing');
  update(new Set(targets.map((e) => e.id)), (e) => ({ ...base(e), status: 'removing' }));
  await dropFromStack(ids);
  await forget(ids);
  const failed: string[] = [];
  for (const e of targets) {
    try {
      if (e.storeKey) await forgetKept(e.storeKey);
    } catch (error) {
      failed.push(`${e.fileName} (${describe(error).replace(/\.$/, '')})`);
    }
  }
  useStudio.setState((s) => ({ hypernetworks: s.hypernetworks.filter((e) => !targets.some((t) => t.id === e.id)) }));
  if (failed.length) setFocus({ id: '', message: `Could not delete the kept copy of ${failed.join(', ')}: it may come back after a reload.` });
}

async function forget(ids: readonly string[]): Promise<void> {
  for (const id of ids) {
    try {
      await getEngine().forgetHypernetwork(id);
    } catch {
      // a restarted worker has nothing to forget
    }
  }
}

async function inspectEntry(id: string, file: File): Promise<void> {
  if (!hasEntry(id)) return; // removed while queued: do not even read it
  if (file.size > MAX_HYPERNETWORK_BYTES) {
    const gib = (file.size / 1024 ** 3).toFixed(1);
    return fail(id, {
      code: 'file-too-large',
      message: `${file.name} is ${gib} GiB; hypernetworks are at most a few hundred MB. Is this a model checkpoint?`,
      details: { size: file.size, limit: MAX_HYPERNETWORK_BYTES },
    });
  }
  let bytes: ArrayBuffer;
  try {
    bytes = await file.arrayBuffer();
  } catch (e) {
    // e.g. a dropped folder, or a file deleted since it was picked
    return fail(id, { code: 'read-failed', message: `Could not read ${file.name}: ${describe(e)}`, details: {} });
  }
  const sha256 = await sha256Hex(bytes);
  if (!hasEntry(id) || (await droppedAsTwin(id, sha256))) return;
  const note = claimName(id, sha256);
  try {
    // with the entry's id the engine keeps the parsed file for the U-Net stack
    const card = await getEngine().inspectHypernetwork({ name: file.name, bytes }, id);
    if (!hasEntry(id)) return forget([id]); // removed while the worker read it
    update(new Set([id]), (e) => ({ ...base(e), status: 'ready', card }));
    if (note) await keepName(id, entryOf(id)?.name ?? null);
    await keepFile(id, file);
    // a tag typed before the file was dropped selects it now
    applyPromptTags();
  } catch (e) {
    fail(id, toUiError(e));
  }
}

/** The same bytes are loaded already: this entry goes (with its kept copy) and the other card is focused. */
async function droppedAsTwin(id: string, sha256: string): Promise<boolean> {
  const twin = useStudio.getState().hypernetworks.find((e) => e.id !== id && e.sha256 === sha256 && e.status !== 'removing');
  const self = entryOf(id);
  if (!twin || !self) return false;
  useStudio.setState((s) => ({ hypernetworks: s.hypernetworks.filter((e) => e.id !== id) }));
  if (self.storeKey) await forgetKept(self.storeKey).catch(() => undefined);
  setFocus({ id: twin.id, message: `${self.fileName} is already loaded${twin.status === 'ready' ? ` as “${entryName(twin)}”` : ''} (the same bytes).` });
  // the card shows whatever the list's filter
  setLibraryFilter('');
  setEntryOpen(twin.id, true);
  return true;
}

/**
 * Records the hash and makes the entry's name unique among the files read so far (stem, stem-2, stem-3, …).
 * Returns the card's note when the name had to change.
 */
function claimName(id: string, sha256: string): string | undefined {
  const entry = entryOf(id);
  if (!entry) return undefined;
  const taken = takenNames(id);
  const wanted = entryName(entry);
  let name = wanted;
  for (let n = 2; taken.has(name); n++) name = `${wanted}-${n}`;
  const note = name === wanted ? undefined : `Named “${name}”: another file is already called “${wanted}”. Rename it to choose another name.`;
  update(new Set([id]), (e) => ({ ...e, sha256, ...(note ? { name, note } : {}) }));
  return note;
}

/** Names of the other files that read (or are being read after their hash): a tag name selects one file. */
function takenNames(id: string): Set<string> {
  return new Set(
    useStudio
      .getState()
      .hypernetworks.filter((e) => e.id !== id && e.sha256 !== undefined && e.status !== 'error' && e.status !== 'removing')
      .map(entryName),
  );
}

async function sha256Hex(bytes: ArrayBuffer): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Points the library at one card (a twin dropped again) or says something about it. */
function setFocus(focus: { id: string; message: string } | null): void {
  useStudio.setState((s) => ({ session: { ...s.session, libraryNotice: focus } }));
}

export function dismissLibraryNotice(): void {
  setFocus(null);
}

function describe(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function entryOf(id: string): HypernetworkEntry | undefined {
  return useStudio.getState().hypernetworks.find((e) => e.id === id);
}

/** The entry is there and not being removed. */
function hasEntry(id: string): boolean {
  const entry = entryOf(id);
  return entry !== undefined && entry.status !== 'removing';
}

function fail(id: string, error: EntryError): void {
  update(new Set([id]), (e) => ({ ...base(e), status: 'error', error }));
}

/** An entry's fields that survive a status change. */
function base(e: HypernetworkEntry) {
  const { id, fileName, fileSize, name, storeKey, sha256, kept, note } = e;
  return { id, fileName, fileSize, ...(name ? { name } : {}), ...(storeKey ? { storeKey } : {}), ...(sha256 ? { sha256 } : {}), ...(kept ? { kept } : {}), ...(note ? { note } : {}) };
}

/** Replaces the given entries; a no-op for those removed (or being removed) meanwhile. */
function update(ids: ReadonlySet<string>, next: (entry: HypernetworkEntry) => HypernetworkEntry): void {
  useStudio.setState((s) => ({ hypernetworks: s.hypernetworks.map((e) => (ids.has(e.id) && e.status !== 'removing' ? next(e) : e)) }));
}
