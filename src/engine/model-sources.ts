/**
 * Model sources the engine can open from a `ModelSpec`: HTTP (the embedded demo), user-picked files, and
 * models installed in OPFS (read here in the worker, checked against their manifest as they are read).
 */
import type { ModelSource } from '../core/diffusion/pipeline/model-source.ts';
import { StudioError } from '../core/errors.ts';
import { readManifest } from '../core/storage/installed.ts';
import { openInstalledModel } from '../core/storage/integrity.ts';
import { memoryWeightFile } from '../core/onnx/weights.ts';
import { blobWeightFile } from '../storage/blob-file.ts';
import { OpfsFs, opfsAvailable } from '../storage/opfs-fs.ts';
import type { ModelSpec } from './api.ts';
import { MAX_WHOLE_READ } from './runtime.ts';

/** A folder served over HTTP (the embedded demo): each file is fetched whole once, then read from memory. */
function urlSource(name: string, baseUrl: string): ModelSource {
  const base = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
  return {
    name,
    async open(path) {
      const res = await fetch(new URL(path, new URL(base, globalThis.location?.href ?? 'http://localhost/')));
      if (res.status === 404) return null;
      if (!res.ok) throw new StudioError('missing-file', `The server answered HTTP ${res.status} for ${path} of "${name}".`, { path, status: res.status });
      // dev servers answer unknown paths with the app's index.html: that is a missing file, not a model file
      if (!path.endsWith('.html') && res.headers.get('content-type')?.includes('text/html')) return null;
      const length = Number(res.headers.get('content-length') ?? 0);
      if (length > MAX_WHOLE_READ) throw new StudioError('backend-unavailable', `${path} of "${name}" is too large to fetch whole (${length} bytes); import the model folder instead.`, { path });
      return memoryWeightFile(new Uint8Array(await res.arrayBuffer()));
    },
  };
}

/** Files the user picked or dropped, read in ranges where they lie. */
function filesSource(name: string, files: Record<string, Blob>): ModelSource {
  return {
    name,
    async open(path) {
      const blob = Object.hasOwn(files, path) ? files[path] : undefined;
      return blob ? blobWeightFile(blob) : null;
    },
  };
}

/** Opened on the first read, so a missing manifest or a damaged file fails the load with its own error. */
function installedSource(name: string, id: string): ModelSource {
  let opened: Promise<ModelSource> | null = null;
  const open = async () => {
    if (!opfsAvailable()) throw new StudioError('storage-unavailable', 'This browser gives the page no private file system (OPFS), so installed models cannot be read.');
    const fs = new OpfsFs();
    const manifest = await readManifest(fs, id);
    if (!manifest) throw new StudioError('corrupt-cache', `The installed model "${name}" is gone or its manifest is damaged. Re-import the model folder.`, { modelId: id, path: 'manifest.json' });
    return openInstalledModel(fs, manifest);
  };
  return {
    name,
    async open(path) {
      opened ??= open();
      return (await opened).open(path);
    },
  };
}

export function sourceFromSpec(spec: ModelSpec): ModelSource {
  switch (spec.kind) {
    case 'url':
      return urlSource(spec.name, spec.baseUrl);
    case 'files':
      return filesSource(spec.name, spec.files);
    case 'installed':
      return installedSource(spec.name, spec.id);
  }
}
