/** Data model of an A1111 hypernetwork after reading and normalization (see docs §2.5, §3). */

/** Element type as stored in the file; every tensor is decoded to float32 for computation. */
export type StoredDtype = 'float32' | 'float16' | 'bfloat16' | 'float64';

/** A decoded weight: row-major float32 values with torch's shape. */
export interface Weight {
  readonly shape: readonly number[];
  readonly data: Float32Array;
  /** dtype the file stored it in */
  readonly dtype: StoredDtype;
  /** exact stored bytes, contiguous, little-endian (for lossless conversion) */
  readonly raw: Uint8Array;
}

/** One child of A1111's `Sequential` named `linear`, in order (indices follow A1111's construction). */
export type LayerSpec =
  | { type: 'linear'; in: number; out: number }
  | { type: 'activation'; name: string }
  | { type: 'layernorm'; features: number }
  | { type: 'dropout'; p: number };

/** A layer with its weights; `index` is its position in the Sequential (`linear.<index>.weight`). */
export type Layer =
  | { type: 'linear'; index: number; in: number; out: number; weight: Weight; bias: Weight }
  | { type: 'activation'; index: number; name: string; /** PReLU slope [1] */ weight?: Weight }
  | { type: 'layernorm'; index: number; features: number; weight: Weight; bias: Weight }
  | { type: 'dropout'; index: number; p: number };

/** One residual MLP `x + Seq(x) * m`: the K or the V module of one width. */
export interface HypernetworkModule {
  readonly size: number;
  readonly layers: readonly Layer[];
}

/** Metadata after A1111's defaults and derivations. */
export interface HypernetworkMeta {
  name: string;
  step: number;
  sdCheckpoint: string | null;
  sdCheckpointName: string | null;
  layerStructure: number[];
  /** lower-case activation name as in the file; "linear" for None/missing */
  activation: string;
  layerNorm: boolean;
  activateOutput: boolean;
  useDropout: boolean;
  lastLayerDropout: boolean;
  dropoutStructure: number[];
  weightInitialization: string;
  optionalInfo: string | null;
  /** true for NAI / pre-Oct-20-2022 files whose keys were `linear1`/`linear2` */
  legacyKeys: boolean;
}

export interface Hypernetwork {
  meta: HypernetworkMeta;
  /** widths present, ascending */
  sizes: number[];
  /** width → [K module, V module] */
  modules: Map<number, readonly [HypernetworkModule, HypernetworkModule]>;
  /** dtype of the module tensors as stored */
  dtype: StoredDtype;
  /** total element count of all module tensors (K and V, all widths) */
  parameters: number;
  /** non-fatal findings: NaN/Inf weights, optimizer state ignored, … */
  warnings: string[];
}

/** The `inspect --json` contract (one JSON object). */
export interface HypernetworkInspect {
  name: string;
  step: number;
  sdCheckpoint: string | null;
  sdCheckpointName: string | null;
  sizes: number[];
  layerStructure: number[];
  activation: string;
  layerNorm: boolean;
  activateOutput: boolean;
  dropoutStructure: number[];
  dtype: StoredDtype;
  parameters: number;
  layers: Record<string, LayerSpec[]>;
}
