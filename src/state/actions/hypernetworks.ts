/** Actions of the hypernetworks slice: the only code that sends dropped files to the engine. */
import { getEngine } from '../../engine/client.ts';
import { toUiError } from '../errors.ts';
import { indexedDbLibrary, type HypernetworkLibrary } from '../../storage/hypernetwork-store.ts';
import type { EntryError, HypernetworkEntry } from '../hypernetwork-entry.ts';
import { isValidTagName } from '../prompt-tags.ts';
import { useStudio } from '../store.ts';
import { applyPromptTags, dropFromStack, renameEntry } from './stack.ts';

/** Past this a file is almost surely a model checkpoint; reading it could exhaust the tab's memory. */
export const MAX_HYPERNETWORK_BYTES = 1024 ** 3;

let nextId = 1;
/** Where read files are kept across reloads; undefined: not asked yet, null: none (no IndexedDB). */
let library: HypernetworkLibrary | null | undefined;

/** Replaces the IndexedDB library (tests). */
export function setHypernetworkLibrary(next: HypernetworkLibrary | null): void {
  library = next;
}

function getLibrary(): HypernetworkLibrary | null {
  if (library === undefined) library = indexedDbLibrary();
  return library;
}

/** Keeping a copy is a convenience: a full disk or a private window must not fail the card. */
function keep(task: (lib: HypernetworkLibrary) => Promise<void>): Promise<void> {
  const lib = getLibrary();
  return lib ? task(lib).catch(() => undefined) : Promise.resolve();
}
/** Files are parsed one at a time so peak memory stays near one file, whatever was dropped. */
let queue: Promise<void> = Promise.resolve();

/**
 * Adds one card per file, in the given order, then parses them in the worker one after another.
 * Resolves when all of these files are done (each ends as a card or an error, never a rejection).
 */
export function addHypernetworkFiles(files: Iterable<File>): Promise<void> {
  return addEntries(Array.from(files, (file) => ({ file })));
}

/** Cards for the files kept by earlier visits, re-read from their stored bytes, in drop order. */
export async function restoreHypernetworks(): Promise<void> {
  const lib = getLibrary();
  const stored = lib ? await lib.list().catch(() => []) : [];
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

  const entries: HypernetworkEntry[] = added.map(({ id, file, storeKey, name }) => ({
    id,
    fileName: file.name,
    fileSize: file.size,
    status: 'reading',
    ...(storeKey ? { storeKey } : {}),
    ...(name ? { name } : {}),
  }));
  useStudio.setState((s) => ({ hypernetworks: [...s.hypernetworks, ...entries] }));

  for (const { id, file } of added) queue = queue.then(() => inspectEntry(id, file));
  return queue;
}

/**
 * Renames a card: the name shown and used by `<hypernet:name:mult>` tags (a tag already selecting it is
 * rewritten). A blank name goes back to the file stem. Returns false for a name a tag cannot hold.
 */
export function renameHypernetwork(id: string, name: string): boolean {
  const trimmed = name.trim();
  if (trimmed !== '' && !isValidTagName(trimmed)) return false;
  const entry = useStudio.getState().hypernetworks.find((e) => e.id === id);
  if (!entry) return false;
  renameEntry(id, trimmed || undefined);
  const key = entry.storeKey;
  if (key) void keep((lib) => lib.rename(key, trimmed || null));
  return true;
}

/**
 * Removes a card. A hypernetwork in the stack leaves it first (the engine goes back to the U-Net without it),
 * then the engine forgets the parsed file.
 */
export function removeHypernetwork(id: string): Promise<void> {
  const key = useStudio.getState().hypernetworks.find((e) => e.id === id)?.storeKey;
  if (key) void keep((lib) => lib.remove(key));
  useStudio.setState((s) => ({ hypernetworks: s.hypernetworks.filter((e) => e.id !== id) }));
  return dropFromStack([id]).then(() => forget([id]));
}

export function clearHypernetworks(): Promise<void> {
  const all = useStudio.getState().hypernetworks;
  const ids = all.map((e) => e.id);
  for (const e of all) if (e.storeKey) void keep((lib) => lib.remove(e.storeKey!));
  useStudio.setState({ hypernetworks: [] });
  return dropFromStack(ids).then(() => forget(ids));
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
  try {
    // with the entry's id the engine keeps the parsed file for the U-Net stack
    const card = await getEngine().inspectHypernetwork({ name: file.name, bytes }, id);
    if (!hasEntry(id)) return forget([id]); // removed while the worker read it
    update(id, (e) => ({ ...base(e), status: 'ready', card }));
    await keepReadFile(id, file);
    // a tag typed before the file was dropped selects it now
    applyPromptTags();
  } catch (e) {
    fail(id, toUiError(e));
  }
}

function describe(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function hasEntry(id: string): boolean {
  return useStudio.getState().hypernetworks.some((e) => e.id === id);
}

function fail(id: string, error: EntryError): void {
  update(id, (e) => ({ ...base(e), status: 'error', error }));
}

/** An entry's fields that survive a status change. */
function base(e: HypernetworkEntry) {
  return { id: e.id, fileName: e.fileName, fileSize: e.fileSize, ...(e.name ? { name: e.name } : {}), ...(e.storeKey ? { storeKey: e.storeKey } : {}) };
}

/** Keeps a successfully read file for later visits (files that failed are not worth a card after a reload). */
async function keepReadFile(id: string, file: File): Promise<void> {
  const entry = useStudio.getState().hypernetworks.find((e) => e.id === id);
  if (!entry || entry.storeKey) return;
  const key = `${Date.now().toString(36)}-${id}-${Math.random().toString(36).slice(2, 8)}`;
  await keep((lib) => lib.put({ key, fileName: file.name, name: entry.name ?? null, bytes: file, addedAt: Date.now() }));
  if (!hasEntry(id)) await keep((lib) => lib.remove(key)); // removed while it was being kept
  else if (getLibrary()) update(id, (e) => ({ ...e, storeKey: key }));
}

/** Replaces one entry; a no-op when it was removed meanwhile. */
function update(id: string, next: (entry: HypernetworkEntry) => HypernetworkEntry): void {
  useStudio.setState((s) => ({ hypernetworks: s.hypernetworks.map((e) => (e.id === id ? next(e) : e)) }));
}
