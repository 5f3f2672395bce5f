/**
 * Keeping read hypernetwork files across reloads (IndexedDB, `storage/hypernetwork-store.ts`). Every write is
 * awaited and its outcome is on the entry (`kept`): the card says "kept in this browser" only once the write
 * has committed, so a reload right after can never bring back a removed file or lose a rename. Keeping is a
 * convenience: a full disk or a private window does not fail the card, it says why the file is not kept.
 */
import { indexedDbLibrary, type HypernetworkLibrary } from '../../storage/hypernetwork-store.ts';
import type { HypernetworkEntry, KeptState } from '../hypernetwork-entry.ts';
import { useStudio } from '../store.ts';

/** Where read files are kept; undefined: not asked yet, null: none (no IndexedDB). */
let library: HypernetworkLibrary | null | undefined;

/** Replaces the IndexedDB library (tests). */
export function setHypernetworkLibrary(next: HypernetworkLibrary | null): void {
  library = next;
}

export function getLibrary(): HypernetworkLibrary | null {
  if (library === undefined) library = indexedDbLibrary();
  return library;
}

function setKept(id: string, kept: KeptState, patch: Partial<HypernetworkEntry> = {}): void {
  useStudio.setState((s) => ({ hypernetworks: s.hypernetworks.map((e) => (e.id === id ? ({ ...e, ...patch, kept } as HypernetworkEntry) : e)) }));
}

function reason(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Runs one write for entry `id`, showing "saving", then "kept" or why not. Never rejects. */
async function write(id: string, task: (lib: HypernetworkLibrary) => Promise<void>, patch: Partial<HypernetworkEntry> = {}): Promise<boolean> {
  const lib = getLibrary();
  if (!lib) return false;
  setKept(id, { state: 'saving' });
  try {
    await task(lib);
    setKept(id, { state: 'kept' }, patch);
    return true;
  } catch (e) {
    setKept(id, { state: 'failed', reason: reason(e) });
    return false;
  }
}

/** Keeps a file that read successfully, under its name (files that failed are not worth a card after a reload). */
export async function keepFile(id: string, file: File): Promise<void> {
  const entry = useStudio.getState().hypernetworks.find((e) => e.id === id);
  if (!entry || entry.storeKey) return;
  const key = `${Date.now().toString(36)}-${id}-${Math.random().toString(36).slice(2, 8)}`;
  const stored = await write(id, (lib) => lib.put({ key, fileName: file.name, name: entry.name ?? null, bytes: file, addedAt: Date.now() }), { storeKey: key });
  // removed while it was being kept: the copy goes too
  if (stored && !useStudio.getState().hypernetworks.some((e) => e.id === id)) await forgetKept(key);
}

/** Stores an entry's new display name (null: the file stem). */
export async function keepName(id: string, name: string | null): Promise<void> {
  const key = useStudio.getState().hypernetworks.find((e) => e.id === id)?.storeKey;
  if (key) await write(id, (lib) => lib.rename(key, name));
}

/** Deletes a kept copy; resolves once the delete has committed. Rejects when it could not be deleted. */
export async function forgetKept(key: string): Promise<void> {
  await getLibrary()?.remove(key);
}

/** The kept files, oldest first; [] without a library or when it cannot be read. */
export async function keptFiles(): ReturnType<HypernetworkLibrary['list']> {
  const lib = getLibrary();
  return lib ? lib.list().catch(() => []) : [];
}
