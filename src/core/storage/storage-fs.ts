/**
 * The file system the model store runs on, reduced to what it needs. OPFS implements it in the app
 * (`src/storage/opfs-fs.ts`), an in-memory map in the tests. Paths are `/`-separated and relative to the
 * store's root; folders are created as files are written.
 */
import type { WeightFile } from '../onnx/weights.ts';

export interface FileSink {
  write(chunk: Uint8Array): Promise<void>;
  /** the file appears, complete */
  close(): Promise<void>;
  /** the file is dropped (OPFS writes to a swap file until close, so nothing partial is left) */
  abort(): Promise<void>;
}

export interface StorageFs {
  /** names of the folders directly under `dir`; [] when it does not exist */
  listDirs(dir: string): Promise<string[]>;
  /** the file's size in bytes, or null when it does not exist */
  size(path: string): Promise<number | null>;
  /** the file for ranged reads, or null when it does not exist (a multi-GB file is never read whole) */
  open(path: string): Promise<WeightFile | null>;
  /** the file's bytes in chunks (a multi-GB file is never held whole), or null when it does not exist */
  readChunks(path: string): Promise<AsyncIterable<Uint8Array> | null>;
  /** a new file at `path` (parent folders created), replacing any file there once closed */
  write(path: string): Promise<FileSink>;
  /** removes a folder and everything in it; no error when it does not exist */
  removeDir(path: string): Promise<void>;
}

/** A file of the folder being imported, from whichever picker or drop delivered it. */
export interface SourceFile {
  /** relative to the picked folder's parent as browsers report it (`sd-model/unet/model.onnx`) or to the folder */
  path: string;
  size: number;
  /** the bytes in chunks, streamed from the user's disk */
  chunks(): AsyncIterable<Uint8Array>;
  /** `length` bytes at `offset` (network files are read tensor by tensor) */
  read(offset: number, length: number): Promise<Uint8Array>;
  /** the whole file as text (only called for small JSON/text files) */
  text(): Promise<string>;
}

/** A small file's bytes (a manifest), or null when absent or larger than `max` bytes. */
export async function readSmall(fs: StorageFs, path: string, max = 16 * 1024 * 1024): Promise<Uint8Array | null> {
  const file = await fs.open(path);
  return file && file.size <= max ? file.read(0, file.size) : null;
}

/** Where installed models live in the store. */
export const MODELS_DIR = 'models';
export const MANIFEST_FILE = 'manifest.json';

export function modelDir(id: string): string {
  return `${MODELS_DIR}/${id}`;
}
