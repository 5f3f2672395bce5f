/**
 * Actions of the storage slice: importing a model folder into OPFS, listing, verifying and deleting installed
 * models, the quota. The store runs on the main thread (imports stream from the picked files); loads go
 * through the engine by id, and the worker reads OPFS itself.
 */
import { transferStats } from '../../core/storage/bytes.ts';
import { importModel } from '../../core/storage/import-model.ts';
import { deleteInstalled, listInstalled, newModelId, readManifest, sweepIncomplete } from '../../core/storage/installed.ts';
import { corruptCacheError, verifyModel } from '../../core/storage/integrity.ts';
import type { ModelManifest } from '../../core/storage/manifest.ts';
import { selectModelFiles } from '../../core/storage/model-folder.ts';
import type { SourceFile, StorageFs } from '../../core/storage/storage-fs.ts';
import { OpfsFs, opfsAvailable } from '../../storage/opfs-fs.ts';
import { toUiError } from '../errors.ts';
import { DEMO_MODEL, type ModelSpec } from '../model-types.ts';
import { useStudio } from '../store.ts';
import type { InstalledModel, StorageState } from '../storage-types.ts';
import { importPrecision, probeImportPrecision } from './import-precision.ts';
import { loadModel } from './models.ts';

/** What the storage actions need from the browser; tests pass an in-memory one. */
export interface StorageBackend {
  fs: StorageFs;
  estimate(): Promise<{ usage: number; quota: number } | null>;
  persist(): Promise<boolean | null>;
}

/** Progress reaches the store at most this often (a 4 MiB chunk can take a few ms). */
const PROGRESS_INTERVAL_MS = 100;

let backend: StorageBackend | null = null;
let importAbort: AbortController | null = null;
/** ids being imported in this tab: not swept as unfinished */
const importing = new Set<string>();

function browserBackend(): StorageBackend | null {
  if (!opfsAvailable()) return null;
  return {
    fs: new OpfsFs(),
    async estimate() {
      const e = await navigator.storage.estimate?.();
      return e && typeof e.usage === 'number' && typeof e.quota === 'number' ? { usage: e.usage, quota: e.quota } : null;
    },
    async persist() {
      return (await navigator.storage.persist?.()) ?? null;
    },
  };
}

/** Replaces the browser's storage (tests). */
export function setStorageBackend(next: StorageBackend | null): void {
  backend = next;
}

function getBackend(): StorageBackend | null {
  backend ??= browserBackend();
  return backend;
}

function setStorage(patch: Partial<StorageState> | ((s: StorageState) => Partial<StorageState>)): void {
  useStudio.setState((s) => ({ storage: { ...s.storage, ...(typeof patch === 'function' ? patch(s.storage) : patch) } }));
}

export function installedSpec(model: { id: string; name: string }): ModelSpec {
  return { kind: 'installed', id: model.id, name: model.name };
}

function toInstalled(m: ModelManifest): InstalledModel {
  return { id: m.id, name: m.name, totalBytes: m.totalBytes, fileCount: m.files.length, importedAt: m.importedAt };
}

/** At startup: asks for persistent storage, removes imports a closed tab left unfinished, lists the models. */
export async function initStorage(): Promise<void> {
  const b = getBackend();
  if (!b) {
    setStorage({ available: false, listed: true });
    return;
  }
  void probeImportPrecision(); // the fp16 default, meanwhile
  const persisted = await b.persist().catch(() => null);
  setStorage({ persisted });
  await refreshStorage(true);
}

/** Reads the installed list and the quota again. */
export async function refreshStorage(sweep = false): Promise<void> {
  const b = getBackend();
  if (!b) return;
  try {
    const listing = await listInstalled(b.fs);
    if (sweep) await sweepIncomplete(b.fs, listing, importing);
    const estimate = await b.estimate().catch(() => null);
    setStorage({ listed: true, models: listing.models.map(toInstalled), usage: estimate?.usage ?? null, quota: estimate?.quota ?? null });
  } catch (e) {
    setStorage({ listed: true, available: false, import: { status: 'error', name: '', error: toUiError(e) } });
  }
}

export function openModelsDialog(replacing: string | null = null): void {
  setStorage({ dialogOpen: true, replacing });
}

export function closeModelsDialog(): void {
  setStorage({ dialogOpen: false });
}

/** What an import task gets: where to write, its id, the free space, cancellation and progress. */
export interface ImportContext {
  fs: StorageFs;
  id: string;
  freeBytes: number | null;
  /** the Models dialog's "Convert to fp16" choice */
  precision: 'fp16' | 'keep';
  signal: AbortSignal;
  onProgress(p: { file: string; bytesDone: number; bytesTotal: number }): void;
}

/**
 * Runs one import (a folder copy or a checkpoint conversion) into storage, then loads the model. A model being
 * replaced (after a corrupt-cache error) is deleted once the new copy is complete. Resolves when done (installed
 * or error), never rejects. One import at a time; the buttons are disabled meanwhile.
 */
export async function runImport(name: string, task: (ctx: ImportContext) => Promise<ModelManifest>): Promise<void> {
  const b = getBackend();
  if (!b) {
    setStorage({ import: { status: 'error', name, error: { code: 'storage-unavailable', message: 'This browser gives the page no private file system (OPFS): models cannot be installed.', details: {} } } });
    return;
  }
  if (importAbort) return;
  const abort = new AbortController();
  importAbort = abort;
  const id = newModelId(name, new Date());
  importing.add(id);
  setStorage({ import: { status: 'validating', name } });
  const start = performance.now();
  let lastUpdate = 0;
  try {
    const estimate = await b.estimate().catch(() => null);
    const manifest = await task({
      fs: b.fs,
      id,
      freeBytes: estimate ? estimate.quota - estimate.usage : null,
      precision: importPrecision(),
      signal: abort.signal,
      onProgress: ({ file, bytesDone, bytesTotal }) => {
        const now = performance.now();
        if (now - lastUpdate < PROGRESS_INTERVAL_MS && bytesDone < bytesTotal) return;
        lastUpdate = now;
        const stats = transferStats(bytesDone, bytesTotal, now - start);
        setStorage({ import: { status: 'copying', name, file, bytesDone, bytesTotal, ...stats } });
      },
    });
    const replaced = useStudio.getState().storage.replacing;
    if (replaced) await deleteInstalled(b.fs, replaced).catch(() => undefined);
    setStorage({ import: { status: 'done', name: manifest.name, id, bytes: manifest.totalBytes, ms: performance.now() - start, converted: manifest.storage?.converted ?? false }, replacing: null });
    await refreshStorage();
    void loadModel(installedSpec(manifest));
  } catch (e) {
    setStorage({ import: { status: 'error', name, error: toUiError(e) } });
    await refreshStorage();
  } finally {
    importing.delete(id);
    importAbort = null;
  }
}

/** Validates and copies a folder into storage, then loads it (see `runImport`). */
export function importModelFolder(files: readonly SourceFile[], fallbackName?: string): Promise<void> {
  const folder = selectModelFiles(files, fallbackName);
  return runImport(folder.name, ({ fs, id, freeBytes, precision, signal, onProgress }) => importModel(folder, fs, { id, freeBytes, precision, signal, onProgress }));
}

/** Stops the import in flight; its partial copy is removed. */
export function cancelImport(): void {
  importAbort?.abort();
}

export function dismissImport(): void {
  setStorage({ import: { status: 'idle' } });
}

/** Loads an installed model (the engine reads it from storage and checks it). */
export function loadInstalledModel(id: string): Promise<void> {
  const model = useStudio.getState().storage.models.find((m) => m.id === id);
  return model ? loadModel(installedSpec(model)) : Promise.resolve();
}

/** Hashes every file of an installed model against its manifest ("Verify"). */
export async function verifyInstalledModel(id: string): Promise<void> {
  const b = getBackend();
  if (!b || useStudio.getState().storage.verify?.status === 'running') return;
  const manifest = await readManifest(b.fs, id);
  if (!manifest) {
    setStorage({ verify: { id, status: 'damaged', error: { code: 'corrupt-cache', message: 'Its manifest is missing or damaged. Re-import the model folder.', details: { modelId: id } } } });
    return;
  }
  const start = performance.now();
  let lastUpdate = 0;
  setStorage({ verify: { id, status: 'running', bytesDone: 0, bytesTotal: manifest.totalBytes } });
  try {
    const problems = await verifyModel(b.fs, manifest, (bytesDone, bytesTotal) => {
      const now = performance.now();
      if (now - lastUpdate < PROGRESS_INTERVAL_MS) return;
      lastUpdate = now;
      setStorage({ verify: { id, status: 'running', bytesDone, bytesTotal } });
    });
    setStorage({ verify: problems.length === 0 ? { id, status: 'ok', ms: performance.now() - start } : { id, status: 'damaged', error: toUiError(corruptCacheError(manifest, problems)) } });
  } catch (e) {
    setStorage({ verify: { id, status: 'damaged', error: toUiError(e) } });
  }
}

/**
 * Deletes an installed model; when it is the loaded one, the demo model is loaded instead. Its row says
 * "Deleting…" until the files are gone, or why they could not be (it is then still listed). Never rejects.
 */
export async function deleteInstalledModel(id: string): Promise<void> {
  const b = getBackend();
  if (!b) return;
  setStorage({ deleting: { id, error: null } });
  try {
    const spec = useStudio.getState().model.spec;
    if (spec?.kind === 'installed' && spec.id === id) await loadModel(DEMO_MODEL);
    await deleteInstalled(b.fs, id);
    setStorage((s) => ({ deleting: null, verify: s.verify?.id === id ? null : s.verify, replacing: s.replacing === id ? null : s.replacing }));
  } catch (e) {
    setStorage({ deleting: { id, error: toUiError(e) } });
  }
  await refreshStorage();
}
