/**
 * The integrity record of an installed model: `manifest.json` in its folder, written last by the import, so a
 * folder without a valid manifest is an import that never finished (the commit marker: OPFS folders cannot
 * be renamed in Chromium 156, `FileSystemHandle.move` is missing).
 */
import { isSafeRelativePath } from '../paths.ts';

export const MANIFEST_FORMAT = 'hnstudio-model/1';

export interface ManifestFile {
  /** relative to the model folder, `/`-separated */
  path: string;
  size: number;
  /** lowercase hex, computed while the file was copied */
  sha256: string;
}

export interface ModelManifest {
  format: typeof MANIFEST_FORMAT;
  id: string;
  /** the folder's name as imported; shown in the list and written as `Model:` in image parameters */
  name: string;
  /** ISO date */
  importedAt: string;
  /** sum of the file sizes */
  totalBytes: number;
  files: ManifestFile[];
  /**
   * A1111-style short hash of the U-Net's model.onnx as the user had it (the stored graph is rewritten at
   * import), written into image parameters as `Model hash`; absent in manifests of older imports.
   */
  modelHash?: string;
  /** what the import did to the weights: re-sharded, converted (absent: copied as they were) */
  storage?: StoredLayout;
}

/** How an import stored the networks' weights. */
export interface StoredLayout {
  /** largest shard, in bytes */
  shardBytes: number;
  /** the weights' precision as stored, and whether the import converted them */
  precision: 'fp32' | 'fp16' | 'mixed';
  converted: boolean;
}

export function buildManifest(id: string, name: string, files: ManifestFile[], importedAt: Date, extra: Pick<ModelManifest, 'modelHash' | 'storage'> = {}): ModelManifest {
  const sorted = [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { format: MANIFEST_FORMAT, id, name, importedAt: importedAt.toISOString(), totalBytes: sorted.reduce((n, f) => n + f.size, 0), files: sorted, ...extra };
}

export function serializeManifest(manifest: ModelManifest): Uint8Array {
  return new TextEncoder().encode(`${JSON.stringify(manifest, null, 2)}\n`);
}

/** The manifest in `bytes`, or null when it is not one (an unfinished import, another app's file). */
export function parseManifest(bytes: Uint8Array): ModelManifest | null {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return null;
  }
  if (!isRecord(value) || value.format !== MANIFEST_FORMAT) return null;
  const { id, name, importedAt, files } = value;
  if (typeof id !== 'string' || typeof name !== 'string' || typeof importedAt !== 'string' || !Array.isArray(files)) return null;
  const parsed: ManifestFile[] = [];
  for (const f of files as unknown[]) {
    if (!isRecord(f) || typeof f.path !== 'string' || !isSafePath(f.path)) return null;
    if (typeof f.size !== 'number' || !Number.isSafeInteger(f.size) || f.size < 0) return null;
    if (typeof f.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(f.sha256)) return null;
    parsed.push({ path: f.path, size: f.size, sha256: f.sha256 });
  }
  const modelHash = typeof value.modelHash === 'string' && /^[0-9a-f]{10}$/.test(value.modelHash) ? value.modelHash : undefined;
  return buildManifest(id, name, parsed, new Date(importedAt), { ...(modelHash ? { modelHash } : {}), ...(isLayout(value.storage) ? { storage: value.storage } : {}) });
}

function isLayout(v: unknown): v is StoredLayout {
  return isRecord(v) && typeof v.shardBytes === 'number' && ['fp32', 'fp16', 'mixed'].includes(v.precision as string) && typeof v.converted === 'boolean';
}

/** A manifest cannot point outside its folder (see `isSafeRelativePath`). */
export const isSafePath = isSafeRelativePath;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
