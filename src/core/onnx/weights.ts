/**
 * Where a graph's weights live. After `scanModel` every large initializer is an external-data reference
 * (location, offset, length); a `WeightFile` is what a location names. Sessions are created from a
 * `GraphPackage` — the small graph plus its weight files — and the runtime pulls each tensor as it needs it, so
 * no buffer holds a whole multi-GB file (Chromium refuses Blob reads of 2 GiB and more; the wasm heap is 4 GiB).
 */
import { StudioError } from '../errors.ts';
import { externalRef } from './external.ts';
import { DataType, int, type ModelProto, type TensorProto } from './proto.ts';

/** A file of weights, read in ranges. */
export interface WeightFile {
  readonly size: number;
  read(offset: number, length: number): Promise<Uint8Array>;
  /**
   * The same read, synchronously, where the realm has one (a worker's FileReaderSync, Node's readSync).
   * onnxruntime-web asks for external data synchronously while it builds a session: with this, each tensor is
   * read when it is needed instead of every file being read up front.
   */
  readSync?(offset: number, length: number): Uint8Array;
  /** the file on disk (Node), for native onnxruntime, which opens files itself */
  readonly nativePath?: string;
}

/** What a session is created from: the graph (ModelProto bytes) and the weight files it names, by location. */
export interface GraphPackage {
  /** the network, for messages ("the U-Net") */
  readonly what: string;
  readonly graph: Uint8Array;
  readonly files: ReadonlyMap<string, WeightFile>;
}

/** Bytes per element of the ONNX tensor types a weight can have (strings and sub-byte types excluded). */
export const ELEMENT_BYTES: Readonly<Record<number, number>> = { 1: 4, 2: 1, 3: 1, 4: 2, 5: 2, 6: 4, 7: 8, 9: 1, 10: 2, 11: 8, 12: 4, 13: 8, 16: 2 };

/** The tensor's size in bytes from its dims and type; null for types without a fixed element size. */
export function tensorBytes(t: TensorProto): number | null {
  const size = ELEMENT_BYTES[t.data_type ?? 0];
  if (!size) return null;
  let n = size;
  for (const d of t.dims ?? []) {
    const v = int(d);
    if (!Number.isSafeInteger(v) || v < 0) return Number.POSITIVE_INFINITY;
    n *= v;
  }
  return n;
}

/** Weight totals of a graph: what the memory plan reasons about. */
export interface WeightStats {
  /** bytes of all initializers (embedded and external) */
  readonly totalBytes: number;
  /** bytes per ONNX data type */
  readonly bytesByType: Readonly<Record<number, number>>;
  /** the largest single initializer: it must fit one GPU buffer */
  readonly largestBytes: number;
  readonly largestName: string;
  readonly count: number;
}

export function weightStats(model: ModelProto): WeightStats {
  const bytesByType: Record<number, number> = {};
  let totalBytes = 0;
  let largestBytes = 0;
  let largestName = '';
  for (const t of model.graph.initializer) {
    const ref = externalRef(t);
    const bytes = ref && ref.length >= 0 ? ref.length : (tensorBytes(t) ?? t.raw_data?.length ?? 0);
    const type = t.data_type ?? 0;
    bytesByType[type] = (bytesByType[type] ?? 0) + bytes;
    totalBytes += bytes;
    if (bytes > largestBytes) {
      largestBytes = bytes;
      largestName = t.name ?? '';
    }
  }
  return { totalBytes, bytesByType, largestBytes, largestName, count: model.graph.initializer.length };
}

/** Share of float weights stored as float16 (0 for an fp32 export, ~1 for an fp16 one). */
export function halfShare(stats: WeightStats): number {
  const half = stats.bytesByType[DataType.FLOAT16] ?? 0;
  const float = stats.bytesByType[DataType.FLOAT] ?? 0;
  return half + float === 0 ? 0 : half / (half + float);
}

/**
 * Checks every external reference against the files before a session is created: the file exists, the range
 * lies inside it, and the length is what the tensor's dims and type need. A crafted or truncated export fails
 * here with the tensor named, instead of as an allocation of 2^53 bytes or a read past the end.
 */
export function checkReferences(model: ModelProto, files: ReadonlyMap<string, WeightFile>, what: string): void {
  for (const t of model.graph.initializer) {
    const ref = externalRef(t);
    if (!ref) continue;
    const file = files.get(ref.location);
    if (!file) throw new StudioError('missing-file', `${what} needs the weight file "${ref.location}", which is not in the model folder.`, { path: ref.location });
    const expected = tensorBytes(t);
    const length = ref.length >= 0 ? ref.length : expected;
    if (length === null || !Number.isFinite(length)) throw new StudioError('graph-error', `${what}: initializer "${t.name}" has no usable size.`);
    if (expected !== null && length !== expected) {
      throw new StudioError('graph-error', `${what}: initializer "${t.name}" claims ${length} bytes of external data but its shape needs ${expected}.`);
    }
    if (ref.offset + length > file.size) {
      throw new StudioError('bad-model-folder', `${what}: "${ref.location}" ends at ${file.size} bytes but initializer "${t.name}" needs bytes up to ${ref.offset + length}: the file is truncated.`, {
        path: ref.location,
      });
    }
  }
}

/** A weight file held in memory (small files, converted tensors, tests). */
export function memoryWeightFile(bytes: Uint8Array): WeightFile {
  const slice = (offset: number, length: number): Uint8Array => {
    if (offset < 0 || length < 0 || offset + length > bytes.length) throw new RangeError(`read of [${offset}, ${offset + length}) outside a ${bytes.length}-byte file`);
    return bytes.subarray(offset, offset + length);
  };
  return { size: bytes.length, read: async (o, l) => slice(o, l), readSync: slice };
}
