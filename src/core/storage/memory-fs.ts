/**
 * An in-memory `StorageFs` for tests: files in a map, written on close like OPFS, with an optional byte
 * quota that fails writes the way OPFS does (a `QuotaExceededError`).
 */
import { memoryWeightFile, type WeightFile } from '../onnx/weights.ts';
import type { FileSink, SourceFile, StorageFs } from './storage-fs.ts';

export class MemoryFs implements StorageFs {
  readonly files = new Map<string, Uint8Array>();
  /** bytes written by sinks not yet closed count against the quota too, as OPFS swap files do */
  private pending = 0;

  constructor(private readonly quota = Infinity) {}

  get usage(): number {
    let n = this.pending;
    for (const bytes of this.files.values()) n += bytes.byteLength;
    return n;
  }

  /** files being written: their folders exist already, as in OPFS */
  private readonly openPaths = new Set<string>();

  async listDirs(dir: string): Promise<string[]> {
    const prefix = `${dir}/`;
    const names = new Set<string>();
    for (const path of [...this.files.keys(), ...this.openPaths]) {
      const rest = path.startsWith(prefix) ? path.slice(prefix.length) : '';
      if (rest.includes('/')) names.add(rest.split('/')[0]!);
    }
    return [...names].sort();
  }

  async size(path: string): Promise<number | null> {
    return this.files.get(path)?.byteLength ?? null;
  }

  async open(path: string): Promise<WeightFile | null> {
    const bytes = this.files.get(path);
    return bytes ? memoryWeightFile(bytes.slice()) : null;
  }

  async readChunks(path: string): Promise<AsyncIterable<Uint8Array> | null> {
    const bytes = this.files.get(path);
    return bytes ? chunked(bytes, 7) : null;
  }

  async write(path: string): Promise<FileSink> {
    const parts: Uint8Array[] = [];
    let size = 0;
    this.openPaths.add(path);
    const release = () => {
      this.pending -= size;
      this.openPaths.delete(path);
    };
    return {
      write: async (chunk) => {
        if (this.usage + chunk.byteLength > this.quota) {
          throw Object.assign(new Error('The operation failed because it would cause the application to exceed its storage quota.'), { name: 'QuotaExceededError' });
        }
        parts.push(chunk.slice());
        size += chunk.byteLength;
        this.pending += chunk.byteLength;
      },
      close: async () => {
        release();
        const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
        let at = 0;
        for (const p of parts) {
          out.set(p, at);
          at += p.byteLength;
        }
        this.files.set(path, out);
      },
      abort: async () => release(),
    };
  }

  async removeDir(path: string): Promise<void> {
    for (const key of [...this.files.keys()]) if (key.startsWith(`${path}/`)) this.files.delete(key);
  }
}

async function* chunked(bytes: Uint8Array, size: number): AsyncIterable<Uint8Array> {
  for (let i = 0; i < bytes.byteLength; i += size) yield bytes.subarray(i, i + size);
}

/** A `SourceFile` over bytes (a picked file in the tests), read in small chunks to exercise streaming. */
export function memorySourceFile(path: string, content: Uint8Array | string): SourceFile {
  const bytes = typeof content === 'string' ? new TextEncoder().encode(content) : content;
  return {
    path,
    size: bytes.byteLength,
    chunks: () => chunked(bytes, 5),
    read: async (offset, length) => bytes.slice(offset, offset + length),
    text: async () => new TextDecoder().decode(bytes),
  };
}
