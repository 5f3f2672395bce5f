/** The session slice: live mode, strength sweeps, this session's gallery, the last PNG Info import. */
import type { SweepInfo } from '../engine/api.ts';
import type { ResultImage } from './generation-types.ts';
import type { KeptState } from './hypernetwork-entry.ts';

export type { SweepInfo };

/** One image of this session's gallery (every finished run lands here, newest last). */
export interface GalleryItem extends ResultImage {
  /** the sweep it came from, when it did */
  sweep?: { hypernetwork: string; strength: number };
}

export interface SweepSettings {
  /** the strengths as typed, e.g. "0, 0.25, 0.5, 0.75, 1" */
  text: string;
  /** the stack entry swept (its library id); null: the first enabled one */
  targetId: string | null;
}

/** What a dropped PNG restored, and what it could not. */
export interface PngInfoReport {
  fileName: string;
  /** the PNG had A1111 parameters and they were applied */
  ok: boolean;
  /** fields restored, in the form's words ("Prompt", "Seed", …) */
  restored: string[];
  /** `<hypernet:…>` names of the PNG that no loaded hypernetwork has */
  missing: string[];
  /** hypernetworks set in the stack from the PNG, with their strengths */
  applied: { name: string; strength: number }[];
  /** anything else worth saying (a different model, an unknown sampler, no parameters at all) */
  notes: string[];
  /** fields of the text the app cannot apply (hires fix, img2img, other extensions' keys), with their values */
  unapplied?: { key: string; value: string }[];
}

/**
 * A PNG read by PNG Info, shown before anything is applied (A1111's PNG Info tab with its "Send to txt2img" and
 * "Send to img2img" buttons): its parameters text and what sending it would set.
 */
export interface PngInfoPreview {
  fileName: string;
  /** the `parameters` text as stored */
  parameters: string;
  /** the form's fields it sets, in the form's words */
  willSet: string[];
  /** its `<hypernet:…>` tags and whether the library has each */
  hypernets: { name: string; strength: number; present: boolean }[];
  /** fields the form cannot apply, with their values */
  unapplied: { key: string; value: string }[];
  notes: string[];
}

/** A1111's token counter for the prompt box, computed in the parse worker. */
export interface PromptTokens {
  /** the prompt it was counted for */
  prompt: string;
  count: number;
  /** 75 × chunks */
  limit: number;
  /** why there is no count (a prompt generation would refuse, tokenizer files missing) */
  error: string | null;
}

/** How the library lists its files. */
export type LibrarySort = 'added' | 'file' | 'name' | 'size' | 'status';

export interface LibraryView {
  /** shows the files whose file name, tag name or internal name contains it (any case) */
  filter: string;
  sort: LibrarySort;
  /** cards opened or closed by the user, by entry id (others: open when the file failed or is the only one) */
  open: Record<string, boolean>;
}

export interface SessionState {
  /** live mode: with a fixed seed, committing a strength change re-generates at once */
  live: boolean;
  /** a live re-generation is in flight: the output keeps showing the last images until it is done */
  liveRun: boolean;
  sweep: SweepSettings;
  gallery: GalleryItem[];
  /** the last write of the kept gallery (OPFS); null: not kept (no OPFS) or nothing written yet */
  galleryKept: KeptState | null;
  pngInfo: PngInfoReport | null;
  /** a read PNG waiting for "Send to txt2img" / "Send to img2img" */
  pngInfoPreview: PngInfoPreview | null;
  promptTokens: PromptTokens | null;
  library: LibraryView;
  /** the library points at one card (`id`: a file dropped again) or says something about it (`id` empty) */
  libraryNotice: { id: string; message: string } | null;
}

export const DEFAULT_SWEEP = '0, 0.25, 0.5, 0.75, 1';
export { GALLERY_STORE_BYTES } from '../storage/gallery-store.ts';

/** Oldest images leave the gallery beyond this (RGBA stays in memory: 256 MiB at 512² × 256). */
export const GALLERY_LIMIT = 256;

export const initialSession: SessionState = {
  live: false,
  liveRun: false,
  sweep: { text: DEFAULT_SWEEP, targetId: null },
  gallery: [],
  galleryKept: null,
  pngInfo: null,
  pngInfoPreview: null,
  promptTokens: null,
  libraryNotice: null,
  library: { filter: '', sort: 'added', open: {} },
};
