/**
 * The model store's `StorageFs` over a folder on disk, for the CLI: files are written under a temporary name
 * and renamed when closed (as OPFS shows a file only once it is complete), read in ranges through `diskFile`.
 */
import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { FileSink, StorageFs } from '../core/storage/storage-fs.ts';
import type { WeightFile } from '../core/onnx/weights.ts';
import { diskFile } from './fs-model-source.ts';

export class NodeStorageFs implements StorageFs {
  constructor(readonly root: string) {}

  private full(path: string): string {
    return join(this.root, ...path.split('/'));
  }

  async listDirs(dir: string): Promise<string[]> {
    try {
      return (await readdir(this.full(dir), { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name).sort();
    } catch {
      return [];
    }
  }

  async size(path: string): Promise<number | null> {
    try {
      const s = await stat(this.full(path));
      return s.isFile() ? s.size : null;
    } catch {
      return null;
    }
  }

  async open(path: string): Promise<WeightFile | null> {
    const size = await this.size(path);
    return size === null ? null : diskFile(this.full(path), size);
  }

  async readChunks(path: string): Promise<AsyncIterable<Uint8Array> | null> {
    return (await this.size(path)) === null ? null : createReadStream(this.full(path), { highWaterMark: 4 * 1024 * 1024 });
  }

  async write(path: string): Promise<FileSink> {
    const target = this.full(path);
    const partial = `${target}.partial`;
    await mkdir(dirname(target), { recursive: true });
    const handle = await open(partial, 'w');
    return {
      async write(chunk) {
        for (let at = 0; at < chunk.length; ) at += (await handle.write(chunk, at, chunk.length - at)).bytesWritten;
      },
      async close() {
        await handle.close();
        await rename(partial, target);
      },
      async abort() {
        await handle.close().catch(() => undefined);
        await unlink(partial).catch(() => undefined);
      },
    };
  }

  async removeDir(path: string): Promise<void> {
    await rm(this.full(path), { recursive: true, force: true });
  }
}
