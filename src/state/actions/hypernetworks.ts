/** Actions of the hypernetworks slice: the only code that sends dropped files to the engine. */
import { isStudioError } from '../../core/errors.ts';
import { EngineCrashedError, getEngine } from '../../engine/client.ts';
import type { EntryError, HypernetworkEntry } from '../hypernetwork-entry.ts';
import { useStudio } from '../store.ts';
import { applyPromptTags, dropFromStack } from './stack.ts';

/** Past this a file is almost surely a model checkpoint; reading it could exhaust the tab's memory. */
export const MAX_HYPERNETWORK_BYTES = 1024 ** 3;

let nextId = 1;
/** Files are parsed one at a time so peak memory stays near one file, whatever was dropped. */
let queue: Promise<void> = Promise.resolve();

/**
 * Adds one card per file, in the given order, then parses them in the worker one after another.
 * Resolves when all of these files are done (each ends as a card or an error, never a rejection).
 */
export function addHypernetworkFiles(files: Iterable<File>): Promise<void> {
  const added: { id: string; file: File }[] = [];
  for (const file of files) added.push({ id: `hn-${nextId++}`, file });
  if (added.length === 0) return Promise.resolve();

  const entries: HypernetworkEntry[] = added.map(({ id, file }) => ({
    id,
    fileName: file.name,
    fileSize: file.size,
    status: 'reading',
  }));
  useStudio.setState((s) => ({ hypernetworks: [...s.hypernetworks, ...entries] }));

  for (const { id, file } of added) queue = queue.then(() => inspectEntry(id, file));
  return queue;
}

/**
 * Removes a card. A hypernetwork in the stack leaves it first (the engine goes back to the U-Net without it),
 * then the engine forgets the parsed file.
 */
export function removeHypernetwork(id: string): Promise<void> {
  useStudio.setState((s) => ({ hypernetworks: s.hypernetworks.filter((e) => e.id !== id) }));
  return dropFromStack([id]).then(() => forget([id]));
}

export function clearHypernetworks(): Promise<void> {
  const ids = useStudio.getState().hypernetworks.map((e) => e.id);
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
    update(id, (e) => ({ id: e.id, fileName: e.fileName, fileSize: e.fileSize, status: 'ready', card }));
    // a tag typed before the file was dropped selects it now
    applyPromptTags();
  } catch (e) {
    fail(id, toEntryError(e));
  }
}

export function toEntryError(e: unknown): EntryError {
  if (isStudioError(e)) return { code: e.code, message: e.message, details: { ...e.details } };
  if (e instanceof EngineCrashedError) return { code: 'engine-crashed', message: e.message, details: {} };
  return { code: 'internal-error', message: `Unexpected error: ${describe(e)}`, details: {} };
}

function describe(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function hasEntry(id: string): boolean {
  return useStudio.getState().hypernetworks.some((e) => e.id === id);
}

function fail(id: string, error: EntryError): void {
  update(id, (e) => ({ id: e.id, fileName: e.fileName, fileSize: e.fileSize, status: 'error', error }));
}

/** Replaces one entry; a no-op when it was removed meanwhile. */
function update(id: string, next: (entry: HypernetworkEntry) => HypernetworkEntry): void {
  useStudio.setState((s) => ({ hypernetworks: s.hypernetworks.map((e) => (e.id === id ? next(e) : e)) }));
}
