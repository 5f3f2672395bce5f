/**
 * Checking an installed model against its manifest. The policy (README, "Installed models"):
 * - every load checks that each file exists with its recorded size (a stat, cheap even for GBs);
 * - every load hashes the files of at most `HASH_ON_LOAD_MAX_BYTES` as they are read (configs, tokenizer,
 *   small networks: milliseconds), so a same-size corruption of those is caught at load;
 * - bigger files (an SD U-Net is 1.7–3.4 GB, ~10–20 s of SHA-256) are hashed only by "Verify", on demand.
 */
import type { ModelSource } from '../diffusion/pipeline/model-source.ts';
import { StudioError } from '../errors.ts';
import { formatBytes } from './bytes.ts';
import type { ManifestFile, ModelManifest } from './manifest.ts';
import { memoryWeightFile } from '../onnx/weights.ts';
import { createSha256, sha256Hex } from './sha256.ts';
import { modelDir, type StorageFs } from './storage-fs.ts';

export const HASH_ON_LOAD_MAX_BYTES = 64 * 1024 * 1024;

export type IntegrityReason = 'missing' | 'size' | 'hash';

export interface IntegrityProblem {
  path: string;
  reason: IntegrityReason;
  /** what is there now (bytes), for `size` */
  actualSize?: number;
}

export function describeProblem(p: IntegrityProblem, entry: ManifestFile | undefined): string {
  switch (p.reason) {
    case 'missing':
      return `${p.path} is missing`;
    case 'size':
      return `${p.path} is ${formatBytes(p.actualSize ?? 0)} instead of ${formatBytes(entry?.size ?? 0)} (truncated or replaced)`;
    case 'hash':
      return `${p.path} has changed since it was imported (its SHA-256 differs)`;
  }
}

/** The `corrupt-cache` error for a model's problems, naming the first file (all of them in `details`). */
export function corruptCacheError(manifest: ModelManifest, problems: IntegrityProblem[]): StudioError {
  const entries = new Map(manifest.files.map((f) => [f.path, f]));
  const text = problems.map((p) => describeProblem(p, entries.get(p.path))).join('; ');
  return new StudioError('corrupt-cache', `The installed copy of "${manifest.name}" is damaged: ${text}. Re-import the model folder.`, {
    modelId: manifest.id,
    path: problems[0]?.path,
    problems,
  });
}

/** Files that are missing or not their recorded size (no hashing). */
export async function checkSizes(fs: StorageFs, manifest: ModelManifest): Promise<IntegrityProblem[]> {
  const dir = modelDir(manifest.id);
  const problems: IntegrityProblem[] = [];
  for (const f of manifest.files) {
    const size = await fs.size(`${dir}/${f.path}`);
    if (size === null) problems.push({ path: f.path, reason: 'missing' });
    else if (size !== f.size) problems.push({ path: f.path, reason: 'size', actualSize: size });
  }
  return problems;
}

/**
 * Every file hashed in chunks ("Verify"): sizes first, then SHA-256 of the files whose size is right.
 * `onProgress` gets bytes hashed so far of the total.
 */
export async function verifyModel(fs: StorageFs, manifest: ModelManifest, onProgress?: (done: number, total: number) => void, signal?: AbortSignal): Promise<IntegrityProblem[]> {
  const problems = await checkSizes(fs, manifest);
  const bad = new Set(problems.map((p) => p.path));
  const dir = modelDir(manifest.id);
  let done = 0;
  for (const f of manifest.files) {
    if (bad.has(f.path)) {
      done += f.size;
      continue;
    }
    const chunks = await fs.readChunks(`${dir}/${f.path}`);
    if (!chunks) {
      problems.push({ path: f.path, reason: 'missing' });
      continue;
    }
    const hash = createSha256();
    for await (const chunk of chunks) {
      if (signal?.aborted) throw new StudioError('cancelled', 'Verification was cancelled.');
      hash.update(chunk);
      done += chunk.byteLength;
      onProgress?.(done, manifest.totalBytes);
    }
    if (hash.hex() !== f.sha256) problems.push({ path: f.path, reason: 'hash' });
  }
  return problems;
}

/**
 * The pipeline's view of an installed model: only manifest files exist; each is checked as it is opened (size
 * always, SHA-256 of files up to `hashMaxBytes`, which are then served from memory) and a mismatch throws
 * `corrupt-cache` naming the file. Bigger files (weight shards) are read in ranges as the runtime needs them.
 */
export function verifiedSource(inner: ModelSource, manifest: ModelManifest, hashMaxBytes = HASH_ON_LOAD_MAX_BYTES): ModelSource {
  const entries = new Map(manifest.files.map((f) => [f.path, f]));
  return {
    name: manifest.name,
    ...(manifest.modelHash ? { modelHash: manifest.modelHash } : {}),
    async open(path) {
      const entry = entries.get(path);
      if (!entry) return null;
      const file = await inner.open(path);
      if (!file) throw corruptCacheError(manifest, [{ path, reason: 'missing' }]);
      if (file.size !== entry.size) throw corruptCacheError(manifest, [{ path, reason: 'size', actualSize: file.size }]);
      if (entry.size > hashMaxBytes) return file;
      const bytes = await file.read(0, file.size);
      if (sha256Hex(bytes) !== entry.sha256) throw corruptCacheError(manifest, [{ path, reason: 'hash' }]);
      return memoryWeightFile(bytes);
    },
  };
}

/** Opens an installed model for loading: its manifest, then the size check of every file before any read. */
export async function openInstalledModel(fs: StorageFs, manifest: ModelManifest, hashMaxBytes = HASH_ON_LOAD_MAX_BYTES): Promise<ModelSource> {
  const problems = await checkSizes(fs, manifest);
  if (problems.length > 0) throw corruptCacheError(manifest, problems);
  const dir = modelDir(manifest.id);
  const inner: ModelSource = { name: manifest.name, open: (path) => fs.open(`${dir}/${path}`) };
  return verifiedSource(inner, manifest, hashMaxBytes);
}
