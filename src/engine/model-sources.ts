/** Model sources the engine can open from a `ModelSpec`: HTTP (the embedded demo) and user-picked files. */
import type { ModelSource } from '../core/diffusion/pipeline/model-source.ts';
import type { ModelSpec } from './api.ts';

function urlSource(name: string, baseUrl: string): ModelSource {
  const base = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
  return {
    name,
    async read(path) {
      const res = await fetch(new URL(path, new URL(base, globalThis.location?.href ?? 'http://localhost/')));
      if (res.status === 404) return null;
      if (!res.ok) throw new Error(`HTTP ${res.status} for ${path}`);
      // dev servers answer unknown paths with the app's index.html: that is a missing file, not a model file
      if (!path.endsWith('.html') && res.headers.get('content-type')?.includes('text/html')) return null;
      return new Uint8Array(await res.arrayBuffer());
    },
  };
}

function filesSource(name: string, files: Record<string, Blob>): ModelSource {
  return {
    name,
    async read(path) {
      const blob = Object.hasOwn(files, path) ? files[path] : undefined;
      return blob ? new Uint8Array(await blob.arrayBuffer()) : null;
    },
  };
}

export function sourceFromSpec(spec: ModelSpec): ModelSource {
  return spec.kind === 'url' ? urlSource(spec.name, spec.baseUrl) : filesSource(spec.name, spec.files);
}
