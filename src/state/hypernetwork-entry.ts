/** One dropped file on the first screen, from "reading" to its card or its error. */
import type { HypernetworkCard } from '../engine/api.ts';
import type { UiError } from './errors.ts';
import { fileStem } from '../core/diffusion/prompt/hypernet-tags.ts';

// The UI takes its data types from here, never from engine/ or core/ directly.
export type { HypernetworkCard, SizeRole } from '../engine/api.ts';
export type { LayerSpec } from '../core/hypernetwork/types.ts';

/** Why a file has no card. */
export type EntryError = UiError;

interface EntryBase {
  id: string;
  fileName: string;
  /** bytes, known before parsing */
  fileSize: number;
  /** the name given by "Rename": shown, and the `<hypernet:name>` tag name; absent: the file stem (A1111) */
  name?: string;
  /** the key of the kept copy (IndexedDB), once the file read successfully */
  storeKey?: string;
  /** SHA-256 of the bytes (hex), once read: the same file dropped twice is recognised by it */
  sha256?: string;
  /** where the last write of the kept copy stands */
  kept?: KeptState;
  /** something the card should say about the entry (e.g. why it got a name other than its file stem) */
  note?: string;
}

/** A write of the kept copy (IndexedDB): in flight, committed, or failed with the reason. */
export type KeptState = { state: 'saving' } | { state: 'kept' } | { state: 'failed'; reason: string };

/** The entry's hypernetwork name: as renamed, else A1111's file stem. */
export function entryName(entry: { fileName: string; name?: string }): string {
  return entry.name ?? fileStem(entry.fileName);
}

export type HypernetworkEntry =
  | (EntryBase & { status: 'reading' })
  /** its kept copy is being deleted: the card goes once the delete has committed */
  | (EntryBase & { status: 'removing' })
  | (EntryBase & { status: 'ready'; card: HypernetworkCard })
  | (EntryBase & { status: 'error'; error: EntryError });
