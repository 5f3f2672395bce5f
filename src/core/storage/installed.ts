/** The models in the store: listing (with sizes), deleting, and sweeping imports that never finished. */
import { parseManifest, type ModelManifest } from './manifest.ts';
import { MANIFEST_FILE, MODELS_DIR, modelDir, readSmall, type StorageFs } from './storage-fs.ts';

export interface StoreListing {
  /** committed models, oldest first */
  models: ModelManifest[];
  /** folders without a valid manifest: imports cut short (tab closed, crash) */
  incomplete: string[];
}

export async function listInstalled(fs: StorageFs): Promise<StoreListing> {
  const models: ModelManifest[] = [];
  const incomplete: string[] = [];
  for (const id of await fs.listDirs(MODELS_DIR)) {
    const bytes = await readSmall(fs, `${modelDir(id)}/${MANIFEST_FILE}`);
    const manifest = bytes ? parseManifest(bytes) : null;
    if (manifest && manifest.id === id) models.push(manifest);
    else incomplete.push(id);
  }
  models.sort((a, b) => a.importedAt.localeCompare(b.importedAt) || a.id.localeCompare(b.id));
  return { models, incomplete };
}

/**
 * Removes unfinished imports, except `busy` ones (an import in progress in this tab). Another tab importing at
 * the same moment would lose its copy; the store is meant for one tab at a time.
 */
export async function sweepIncomplete(fs: StorageFs, listing: StoreListing, busy: ReadonlySet<string> = new Set()): Promise<string[]> {
  const removed: string[] = [];
  for (const id of listing.incomplete) {
    if (busy.has(id)) continue;
    await fs.removeDir(modelDir(id));
    removed.push(id);
  }
  return removed;
}

export function deleteInstalled(fs: StorageFs, id: string): Promise<void> {
  return fs.removeDir(modelDir(id));
}

export async function readManifest(fs: StorageFs, id: string): Promise<ModelManifest | null> {
  const bytes = await readSmall(fs, `${modelDir(id)}/${MANIFEST_FILE}`);
  const manifest = bytes ? parseManifest(bytes) : null;
  return manifest && manifest.id === id ? manifest : null;
}

/** A folder-safe id for a new model: its name, slugged, plus a time stamp so re-imports never collide. */
export function newModelId(name: string, now: Date): string {
  const slug = name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40) || 'model';
  return `${slug}-${now.getTime().toString(36)}`;
}
