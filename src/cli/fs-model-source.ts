/**
 * A model folder on disk (CLI, Node tests and tools). Files are opened, not read: weights are read in ranges
 * (`readSync` for onnxruntime-web's lazy mounts) or by native onnxruntime itself from `nativePath`.
 */
import { closeSync, fstatSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import type { ModelSource } from '../core/diffusion/pipeline/model-source.ts';
import { StudioError } from '../core/errors.ts';
import { parseManifest, type ModelManifest } from '../core/storage/manifest.ts';
import type { WeightFile } from '../core/onnx/weights.ts';
import { isSafeRelativePath } from '../core/paths.ts';

/** descriptors of files nobody holds any more are closed when their WeightFile is collected */
const descriptors = new FinalizationRegistry<number>((fd) => {
  try {
    closeSync(fd);
  } catch {
    // already closed
  }
});

/** A file on disk as a `WeightFile`; its descriptor opens on the first read. */
export function diskFile(path: string, size = statSync(path).size): WeightFile {
  let fd: number | null = null;
  const file: WeightFile = {
    size,
    nativePath: path,
    readSync(offset, length) {
      if (offset < 0 || length < 0 || offset + length > size) throw new RangeError(`read of [${offset}, ${offset + length}) outside ${path} (${size} bytes)`);
      if (fd === null) {
        fd = openSync(path, 'r');
        if (fstatSync(fd).size !== size) throw new StudioError('bad-model-folder', `${path} changed size while it was open.`, { path });
        descriptors.register(file, fd);
      }
      const out = new Uint8Array(length);
      for (let at = 0; at < length; ) {
        const n = readSync(fd, out, at, Math.min(length - at, 1 << 30), offset + at);
        if (n === 0) throw new StudioError('bad-model-folder', `${path} ended before byte ${offset + length}: it was truncated while open.`, { path });
        at += n;
      }
      return out;
    },
    async read(offset, length) {
      return file.readSync!(offset, length);
    },
  };
  return file;
}

/** The folder's own manifest (one `convert-checkpoint` wrote) names the model and gives its A1111 hash. */
function manifestOf(root: string): ModelManifest | null {
  try {
    return parseManifest(readFileSync(join(root, 'manifest.json')));
  } catch {
    return null;
  }
}

export function fsModelSource(dir: string): ModelSource {
  const root = resolve(dir);
  const manifest = manifestOf(root);
  return {
    name: manifest?.name ?? basename(root),
    ...(manifest?.modelHash ? { modelHash: manifest.modelHash } : {}),
    async open(path) {
      if (!isSafeRelativePath(path)) throw new StudioError('unsafe-path', `"${path}" is not a path inside ${root}.`, { path });
      const full = join(root, ...path.split('/'));
      try {
        const stat = statSync(full);
        if (!stat.isFile()) return null;
        return diskFile(full, stat.size);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR') return null;
        throw e;
      }
    },
  };
}
