/** The storage slice: models installed in the browser (OPFS), the storage quota, an import or verify in flight. */
import type { UiError } from './errors.ts';

export interface InstalledModel {
  id: string;
  name: string;
  /** bytes on disk (sum of the files) */
  totalBytes: number;
  fileCount: number;
  /** ISO date */
  importedAt: string;
}

export type ImportState =
  | { status: 'idle' }
  /** reading the folder listing and its small JSON files */
  | { status: 'validating'; name: string }
  | { status: 'copying'; name: string; file: string; bytesDone: number; bytesTotal: number; bytesPerSecond: number; etaMs: number | null }
  | { status: 'error'; name: string; error: UiError }
  /** `converted`: the weights were converted to fp16 on the way */
  | { status: 'done'; name: string; id: string; bytes: number; ms: number; converted: boolean };

export type VerifyState =
  | { id: string; status: 'running'; bytesDone: number; bytesTotal: number }
  | { id: string; status: 'ok'; ms: number }
  | { id: string; status: 'damaged'; error: UiError };

/**
 * The import's "Convert to fp16" choice: on by default where the WebGPU adapter has `shader-f16` (fp16 then
 * runs natively: half the storage and GPU memory); off elsewhere, where fp16 weights are widened back to fp32 at
 * every load. `note` says which applies here, `userSet` that the user's own choice overrides the default.
 */
export interface Fp16Choice {
  checked: boolean;
  /** the adapter was probed (until then the default is off and the note says it is being checked) */
  probed: boolean;
  /** the adapter has shader-f16 */
  recommended: boolean;
  note: string;
  userSet: boolean;
}

export interface StorageState {
  /** false when the browser has no OPFS: only the demo is listed and imports are refused */
  available: boolean;
  /** the installed list was read at least once */
  listed: boolean;
  models: InstalledModel[];
  /** navigator.storage.estimate(), in bytes */
  usage: number | null;
  quota: number | null;
  /** navigator.storage.persist(): true when the browser will not evict the models under storage pressure */
  persisted: boolean | null;
  import: ImportState;
  verify: VerifyState | null;
  /** the Models dialog is open (the model bar and a re-import offer open it) */
  dialogOpen: boolean;
  /** convert fp32 weights to fp16 while importing */
  fp16: Fp16Choice;
  /** the installed model a re-import will replace (after a corrupt-cache error) */
  replacing: string | null;
  /** an installed model being deleted (its row says so until the delete is done), or why it could not be */
  deleting: { id: string; error: UiError | null } | null;
}

export const initialStorage: StorageState = {
  available: true,
  listed: false,
  models: [],
  usage: null,
  quota: null,
  persisted: null,
  import: { status: 'idle' },
  verify: null,
  dialogOpen: false,
  fp16: { checked: false, probed: false, recommended: false, note: 'Checking the GPU…', userSet: false },
  replacing: null,
  deleting: null,
};
