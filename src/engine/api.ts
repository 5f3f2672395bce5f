/**
 * The one contract between the UI and the engine. `Engine` implements it in-process (CLI, tests); the worker
 * exposes that same object and `client.ts` wraps it, so callers never know which transport they use.
 */
import type { HypernetworkInspect, SizeRole } from '../core/hypernetwork/index.ts';

/** What a hypernetwork width is used for: SD1 text (768), SD2 text (1024), a U-Net width (320/640/1280). */
export type { SizeRole };

/** A file handed to the engine. In the worker transport `bytes` is transferred, so the caller loses it. */
export interface EngineFile {
  name: string;
  bytes: ArrayBuffer;
}

/** Everything the first screen shows about one hypernetwork file. Plain data: crosses the worker by clone. */
export interface HypernetworkCard extends HypernetworkInspect {
  fileName: string;
  /** bytes */
  fileSize: number;
  /** role of each width in `sizes`, keyed like `layers` */
  sizeRoles: Record<string, SizeRole>;
  /** non-fatal findings (NaN/Inf weights, optimizer state ignored, …) */
  warnings: string[];
  /** free text the trainer stored (`optional_info`), if any */
  optionalInfo: string | null;
  /** true for NAI / early-A1111 files whose keys were `linear1`/`linear2` */
  legacyKeys: boolean;
}

export interface EngineApi {
  /**
   * Reads a hypernetwork `.pt` file and describes it.
   * @param file the file name (used for A1111's name default and messages) and its bytes
   * @returns the inspect facts plus file facts and warnings
   * @throws StudioError (from `core/errors.ts`) with a stable `code` when the file is unsafe, corrupt or not a
   *   hypernetwork; the worker client rebuilds the same class on the main thread.
   */
  inspectHypernetwork(file: EngineFile): Promise<HypernetworkCard>;
}
