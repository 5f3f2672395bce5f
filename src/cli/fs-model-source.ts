import { readFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import type { ModelSource } from '../core/diffusion/pipeline/model-source.ts';

/** A model folder on disk. */
export function fsModelSource(dir: string): ModelSource {
  const root = resolve(dir);
  return {
    name: basename(root),
    async read(path) {
      try {
        const buf = await readFile(join(root, ...path.split('/')));
        return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw e;
      }
    },
  };
}
