/** Actions of this session's gallery: every finished run's images, kept until the tab closes. */
import type { SweepInfo } from '../../engine/api.ts';
import type { ResultImage } from '../generation-types.ts';
import { GALLERY_LIMIT, type GalleryItem } from '../session-types.ts';
import { useStudio } from '../store.ts';

/** Appends a run's images (a sweep's carry their strength); the oldest go beyond GALLERY_LIMIT. */
export function addToGallery(results: readonly ResultImage[], sweep?: SweepInfo): void {
  if (results.length === 0) return;
  const items: GalleryItem[] = results.map((r) =>
    sweep && r.strength !== undefined ? { ...r, sweep: { hypernetwork: sweep.hypernetwork, strength: r.strength } } : r,
  );
  useStudio.setState((s) => ({ session: { ...s.session, gallery: [...s.session.gallery, ...items].slice(-GALLERY_LIMIT) } }));
}

export function removeFromGallery(id: string): void {
  useStudio.setState((s) => ({ session: { ...s.session, gallery: s.session.gallery.filter((g) => g.id !== id) } }));
}

export function clearGallery(): void {
  useStudio.setState((s) => ({ session: { ...s.session, gallery: [] } }));
}

/** A short caption: its file name, and the sweep strength when it has one. */
export function galleryCaption(item: GalleryItem): string {
  return item.sweep ? `${item.fileName} · ${item.sweep.hypernetwork} ${item.sweep.strength}` : item.fileName;
}
