/**
 * The gallery kept across reloads, in the browser's private file system (OPFS; any `StorageFs` in tests): each
 * image as the PNG the user would download (its A1111 `parameters` inside), under `gallery/<id>/image.png`, and
 * `gallery/index.json` listing them oldest first. The index is written last, so it only ever names complete
 * PNGs; folders it does not name (a tab closed mid-write) are removed at the next load. Past `capBytes` of PNGs
 * the oldest images are dropped first.
 */
import { readSmall, type StorageFs } from '../core/storage/storage-fs.ts';

/** What the gallery shows besides the pixels and the parameters (both in the PNG). */
export interface GalleryMeta {
  id: string;
  number: number;
  fileName: string;
  seed: number;
  width: number;
  height: number;
  strength?: number;
  sweep?: { hypernetwork: string; strength: number };
}

export interface StoredImage extends GalleryMeta {
  png: Uint8Array;
}

interface IndexEntry extends GalleryMeta {
  bytes: number;
}

/** The kept gallery's size cap: with 512² SD images (~400 kB each) about 250 images; demo images are ~10 kB. */
export const GALLERY_STORE_BYTES = 100 * 1000 * 1000;

const DIR = 'gallery';
const INDEX = `${DIR}/index.json`;
const ID = /^[\w-]{1,64}$/;

export class GalleryStore {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly fs: StorageFs,
    readonly capBytes = GALLERY_STORE_BYTES,
  ) {}

  /** The kept images, oldest first (unreadable ones skipped); removes leftovers of interrupted writes. */
  load(): Promise<StoredImage[]> {
    return this.serial(async () => {
      const index = await this.readIndex();
      const kept = new Set(index.map((e) => e.id));
      for (const dir of await this.fs.listDirs(DIR)) if (!kept.has(dir)) await this.fs.removeDir(`${DIR}/${dir}`);
      const images: StoredImage[] = [];
      for (const { bytes: _bytes, ...meta } of index) {
        const png = await readSmall(this.fs, pngPath(meta.id), this.capBytes);
        if (png) images.push({ ...meta, png });
      }
      return images;
    });
  }

  /** Adds images (newest last) and drops the oldest beyond the cap; resolves once the index names them. */
  add(images: readonly StoredImage[]): Promise<void> {
    return this.serial(async () => {
      const index = await this.readIndex();
      for (const { png, ...meta } of images) {
        if (!ID.test(meta.id)) throw new Error(`Bad gallery id ${meta.id}`);
        const sink = await this.fs.write(pngPath(meta.id));
        try {
          await sink.write(png);
          await sink.close();
        } catch (e) {
          await sink.abort().catch(() => undefined);
          throw e;
        }
        index.push({ ...meta, bytes: png.byteLength });
      }
      let total = index.reduce((n, e) => n + e.bytes, 0);
      const dropped: IndexEntry[] = [];
      while (total > this.capBytes && index.length > 0) {
        const oldest = index.shift()!;
        total -= oldest.bytes;
        dropped.push(oldest);
      }
      await this.writeIndex(index);
      for (const d of dropped) await this.fs.removeDir(`${DIR}/${d.id}`);
    });
  }

  /** Forgets images by id; resolves once the index no longer names them. */
  remove(ids: readonly string[]): Promise<void> {
    return this.serial(async () => {
      const gone = new Set(ids);
      await this.writeIndex((await this.readIndex()).filter((e) => !gone.has(e.id)));
      for (const id of ids) if (ID.test(id)) await this.fs.removeDir(`${DIR}/${id}`);
    });
  }

  clear(): Promise<void> {
    return this.serial(() => this.fs.removeDir(DIR));
  }

  /** One operation at a time: each reads the index the previous one wrote. */
  private serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async readIndex(): Promise<IndexEntry[]> {
    const bytes = await readSmall(this.fs, INDEX);
    if (!bytes) return [];
    try {
      const parsed = JSON.parse(new TextDecoder().decode(bytes)) as { version?: unknown; images?: unknown };
      return parsed.version === 1 && Array.isArray(parsed.images) ? parsed.images.filter(isIndexEntry) : [];
    } catch {
      return []; // a damaged index: start over (its folders are swept by the next load)
    }
  }

  private async writeIndex(images: IndexEntry[]): Promise<void> {
    const sink = await this.fs.write(INDEX);
    await sink.write(new TextEncoder().encode(JSON.stringify({ version: 1, images })));
    await sink.close();
  }
}

function pngPath(id: string): string {
  return `${DIR}/${id}/image.png`;
}

function isIndexEntry(e: unknown): e is IndexEntry {
  const o = e as Partial<IndexEntry> | null;
  const num = (v: unknown) => typeof v === 'number' && Number.isFinite(v);
  return (
    !!o &&
    typeof o.id === 'string' &&
    ID.test(o.id) &&
    typeof o.fileName === 'string' &&
    [o.number, o.seed, o.width, o.height, o.bytes].every(num) &&
    (o.strength === undefined || num(o.strength)) &&
    (o.sweep === undefined || (typeof o.sweep?.hypernetwork === 'string' && num(o.sweep.strength)))
  );
}
