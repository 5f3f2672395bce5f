/**
 * Actions of the gallery: every finished run's images, kept across reloads as PNGs in the browser's private
 * file system (`storage/gallery-store.ts`, up to `GALLERY_STORE_BYTES`, oldest dropped first). `session.galleryKept`
 * says whether the last write has committed.
 */
import { parseInfotext } from '../../core/diffusion/infotext.ts';
import { parseHypernetTags } from '../../core/diffusion/prompt/hypernet-tags.ts';
import { decodePng, encodePng, readPngText } from '../../core/formats/png.ts';
import type { SweepInfo } from '../../engine/api.ts';
import { GalleryStore, type StoredImage } from '../../storage/gallery-store.ts';
import { OpfsFs, opfsAvailable } from '../../storage/opfs-fs.ts';
import type { ResultImage } from '../generation-types.ts';
import type { KeptState } from '../hypernetwork-entry.ts';
import { GALLERY_LIMIT, type GalleryItem } from '../session-types.ts';
import { useStudio } from '../store.ts';

/** undefined: not made yet; null: no OPFS (the gallery lasts as long as the tab) */
let store: GalleryStore | null | undefined;

/** Replaces the OPFS store (tests). */
export function setGalleryStore(next: GalleryStore | null): void {
  store = next;
}

function getStore(): GalleryStore | null {
  store ??= opfsAvailable() ? new GalleryStore(new OpfsFs()) : null;
  return store;
}

function setGallery(next: (gallery: GalleryItem[]) => GalleryItem[], kept?: KeptState): void {
  useStudio.setState((s) => ({ session: { ...s.session, gallery: next(s.session.gallery), ...(kept ? { galleryKept: kept } : {}) } }));
}

/** Runs one write of the kept gallery, showing "saving" until it commits (or why it did not). */
async function keep(task: (store: GalleryStore) => Promise<void>): Promise<void> {
  const s = getStore();
  if (!s) return;
  setGallery((g) => g, { state: 'saving' });
  try {
    await task(s);
    setGallery((g) => g, { state: 'kept' });
  } catch (e) {
    setGallery((g) => g, { state: 'failed', reason: e instanceof Error ? e.message : String(e) });
  }
}

/** The PNG of an image, with A1111's `parameters` text, as A1111 saves it. */
export function imagePng(image: ResultImage): Uint8Array {
  return encodePng({ width: image.width, height: image.height, data: image.rgba }, { parameters: image.infotext });
}

/** Appends a run's images (a sweep's carry their strength); the oldest go beyond GALLERY_LIMIT. */
export function addToGallery(results: readonly ResultImage[], sweep?: SweepInfo): Promise<void> {
  if (results.length === 0) return Promise.resolve();
  const items: GalleryItem[] = results.map((r) =>
    sweep && r.strength !== undefined ? { ...r, sweep: { hypernetwork: sweep.hypernetwork, strength: r.strength } } : r,
  );
  const before = useStudio.getState().session.gallery;
  const all = [...before, ...items];
  const dropped = all.slice(0, Math.max(0, all.length - GALLERY_LIMIT)).map((g) => g.id);
  setGallery(() => all.slice(-GALLERY_LIMIT));
  return keep(async (s) => {
    await s.add(items.map((item) => ({ ...meta(item), png: imagePng(item) })));
    if (dropped.length) await s.remove(dropped);
  });
}

export function removeFromGallery(id: string): Promise<void> {
  setGallery((g) => g.filter((item) => item.id !== id));
  return keep((s) => s.remove([id]));
}

export function clearGallery(): Promise<void> {
  setGallery(() => []);
  return keep((s) => s.clear());
}

/**
 * The kept images back in the gallery (after a reload), oldest first; returns the highest image number, so the
 * file counter continues from it as A1111's does.
 */
export async function restoreGallery(): Promise<number> {
  const s = getStore();
  if (!s) return 0;
  let stored: StoredImage[];
  try {
    stored = await s.load();
  } catch (e) {
    setGallery((g) => g, { state: 'failed', reason: e instanceof Error ? e.message : String(e) });
    return 0;
  }
  const items = stored.flatMap((image): GalleryItem[] => {
    try {
      const { data } = decodePng(image.png);
      const { png: _png, ...rest } = image;
      return [{ ...rest, rgba: data, infotext: readPngText(image.png).parameters ?? '' }];
    } catch {
      return []; // an unreadable PNG is skipped
    }
  });
  // images made while the kept ones were read come after them
  setGallery((g) => [...items, ...g].slice(-GALLERY_LIMIT), { state: 'kept' });
  return items.reduce((n, g) => Math.max(n, g.number), 0);
}

function meta(item: GalleryItem) {
  const { id, number, fileName, seed, width, height, strength, sweep } = item;
  return { id, number, fileName, seed, width, height, ...(strength === undefined ? {} : { strength }), ...(sweep ? { sweep } : {}) };
}

/** The hypernetworks an image was made with, from its parameters: "stripes 0.5 + invert 1", or "no hypernetwork". */
export function galleryStrengths(item: GalleryItem): string {
  const { tags } = parseHypernetTags(parseInfotext(item.infotext).prompt);
  return tags.length ? tags.map((t) => `${t.name} ${t.multiplier}`).join(' + ') : 'no hypernetwork';
}

/** A short caption: its file name and its hypernetworks with their strengths. */
export function galleryCaption(item: GalleryItem): string {
  return `${item.fileName} · ${galleryStrengths(item)}`;
}
