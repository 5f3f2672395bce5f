/**
 * Copies a validated model folder into the store: streamed file by file (never a whole file in memory), each
 * hashed as it passes, the manifest written last as the commit. Any failure or cancel removes the model's
 * folder, so nothing half-copied is left; a full disk is explained in bytes.
 */
import { StudioError, isStudioError } from '../errors.ts';
import { formatBytes } from './bytes.ts';
import { buildManifest, serializeManifest, type ManifestFile, type ModelManifest } from './manifest.ts';
import { validateModelFolder, type ModelFolder } from './model-folder.ts';
import { createSha256 } from './sha256.ts';
import { MANIFEST_FILE, modelDir, type FileSink, type StorageFs } from './storage-fs.ts';

export interface ImportProgress {
  /** the file being copied (relative to the model folder) */
  file: string;
  bytesDone: number;
  bytesTotal: number;
}

export interface ImportOptions {
  /** the new model's id (a folder name in the store) */
  id: string;
  /** the name to list it under; the folder's name by default */
  name?: string;
  /** bytes the origin may still write (quota − usage), when the browser says */
  freeBytes?: number | null;
  signal?: AbortSignal;
  onProgress?: (progress: ImportProgress) => void;
  now?: () => Date;
}

/** Validates `folder`, copies it under `models/<id>/` and returns its manifest. */
export async function importModel(folder: ModelFolder, fs: StorageFs, opts: ImportOptions): Promise<ModelManifest> {
  await validateModelFolder(folder);
  const needed = folder.totalBytes;
  if (opts.freeBytes != null && needed > opts.freeBytes) throw storageFull(needed, opts.freeBytes);
  const dir = modelDir(opts.id);
  await fs.removeDir(dir); // a leftover of an earlier attempt under the same id
  let done = 0;
  let sink: FileSink | null = null;
  try {
    const records: ManifestFile[] = [];
    for (const file of folder.files) {
      checkCancelled(opts.signal);
      opts.onProgress?.({ file: file.path, bytesDone: done, bytesTotal: needed });
      sink = await fs.write(`${dir}/${file.path}`);
      const hash = createSha256();
      let size = 0;
      for await (const chunk of file.chunks()) {
        checkCancelled(opts.signal);
        hash.update(chunk);
        await sink.write(chunk);
        size += chunk.byteLength;
        done += chunk.byteLength;
        opts.onProgress?.({ file: file.path, bytesDone: done, bytesTotal: needed });
      }
      await sink.close();
      sink = null;
      if (size !== file.size) throw new StudioError('bad-model-folder', `${file.path} changed while it was copied (${size} bytes read, ${file.size} listed). Import the folder again.`, { path: file.path });
      records.push({ path: file.path, size, sha256: hash.hex() });
    }
    checkCancelled(opts.signal);
    const manifest = buildManifest(opts.id, opts.name ?? folder.name, records, (opts.now ?? (() => new Date()))());
    sink = await fs.write(`${dir}/${MANIFEST_FILE}`);
    await sink.write(serializeManifest(manifest));
    await sink.close();
    sink = null;
    return manifest;
  } catch (e) {
    await sink?.abort().catch(() => undefined);
    await fs.removeDir(dir).catch(() => undefined);
    if (isQuotaError(e)) throw storageFull(needed, opts.freeBytes ?? null, done);
    throw e;
  }
}

/** `QuotaExceededError` from OPFS writes (a DOMException, matched by name: the core has no DOM types). */
export function isQuotaError(e: unknown): boolean {
  if (isStudioError(e)) return e.code === 'storage-full';
  return typeof e === 'object' && e !== null && (e as { name?: unknown }).name === 'QuotaExceededError';
}

function storageFull(needed: number, free: number | null, copied?: number): StudioError {
  const freeText = free == null ? 'the browser gave no more room' : `${formatBytes(free)} free`;
  const where = copied !== undefined ? ` (stopped after ${formatBytes(copied)}; the partial copy was removed)` : '';
  return new StudioError('storage-full', `Storage full: the model needs ${formatBytes(needed)}, ${freeText}${where}. Delete installed models or free disk space, then import again.`, {
    needed,
    free,
  });
}

function checkCancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new StudioError('cancelled', 'The import was cancelled; the partial copy was removed.');
}
