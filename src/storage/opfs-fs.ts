/**
 * `StorageFs` on the Origin Private File System. Works on the main thread (imports, listing) and in the engine
 * worker (loads read installed files directly: the bytes never cross the main thread).
 */
import type { WeightFile } from '../core/onnx/weights.ts';
import type { FileSink, StorageFs } from '../core/storage/storage-fs.ts';
import { blobWeightFile } from './blob-file.ts';

/** Read in slices of this size: big enough for few round trips, small enough to keep memory flat. */
export const CHUNK_BYTES = 4 * 1024 * 1024;

type DirectoryHandle = FileSystemDirectoryHandle & { values(): AsyncIterable<FileSystemHandle> };

export function opfsAvailable(): boolean {
  return typeof navigator !== 'undefined' && typeof navigator.storage?.getDirectory === 'function';
}

export class OpfsFs implements StorageFs {
  private root: Promise<FileSystemDirectoryHandle> | null = null;

  private async dir(path: string, create: boolean): Promise<FileSystemDirectoryHandle | null> {
    this.root ??= navigator.storage.getDirectory();
    let dir = await this.root;
    for (const name of split(path)) {
      try {
        dir = await dir.getDirectoryHandle(name, { create });
      } catch (e) {
        if (isNotFound(e)) return null;
        throw e;
      }
    }
    return dir;
  }

  private async file(path: string): Promise<File | null> {
    const parts = split(path);
    const name = parts.pop();
    const dir = name ? await this.dir(parts.join('/'), false) : null;
    if (!dir || !name) return null;
    try {
      return await (await dir.getFileHandle(name)).getFile();
    } catch (e) {
      if (isNotFound(e)) return null;
      throw e;
    }
  }

  async listDirs(path: string): Promise<string[]> {
    const dir = (await this.dir(path, false)) as DirectoryHandle | null;
    if (!dir) return [];
    const names: string[] = [];
    for await (const handle of dir.values()) if (handle.kind === 'directory') names.push(handle.name);
    return names.sort();
  }

  async size(path: string): Promise<number | null> {
    return (await this.file(path))?.size ?? null;
  }

  async open(path: string): Promise<WeightFile | null> {
    const file = await this.file(path);
    return file ? blobWeightFile(file) : null;
  }

  async readChunks(path: string): Promise<AsyncIterable<Uint8Array> | null> {
    const file = await this.file(path);
    return file ? blobChunks(file) : null;
  }

  async write(path: string): Promise<FileSink> {
    const parts = split(path);
    const name = parts.pop()!;
    const dir = (await this.dir(parts.join('/'), true))!;
    // createWritable writes to a swap file that replaces the file only on close: no half-written file is visible
    const writable = await (await dir.getFileHandle(name, { create: true })).createWritable({ keepExistingData: false });
    return {
      write: (chunk) => writable.write(chunk as Uint8Array<ArrayBuffer>),
      close: () => writable.close(),
      abort: () => writable.abort(),
    };
  }

  async removeDir(path: string): Promise<void> {
    const parts = split(path);
    const name = parts.pop();
    const parent = name ? await this.dir(parts.join('/'), false) : null;
    if (!parent || !name) return;
    try {
      await parent.removeEntry(name, { recursive: true });
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  }
}

/** A blob's bytes in `CHUNK_BYTES` slices, each read only when asked for. */
export async function* blobChunks(blob: Blob): AsyncIterable<Uint8Array> {
  for (let at = 0; at < blob.size; at += CHUNK_BYTES) {
    yield new Uint8Array(await blob.slice(at, Math.min(blob.size, at + CHUNK_BYTES)).arrayBuffer());
  }
}

function split(path: string): string[] {
  return path.split('/').filter((s) => s !== '');
}

function isNotFound(e: unknown): boolean {
  const name = (e as { name?: unknown } | null)?.name;
  return name === 'NotFoundError' || name === 'TypeMismatchError';
}
