/**
 * A single-file checkpoint (A1111's `.safetensors` or `.ckpt`) opened lazily: its tensor table is read, its
 * tensors are not. Each tensor reads its own bytes in one ranged read of the file when asked (the largest SD
 * tensor, the token embedding, is 200 MB; a whole SD1.5 checkpoint with EMA is 4–7 GB and is never held).
 */
import { StudioError } from '../errors.ts';
import type { TorchDtype } from '../formats/dtype.ts';
import type { WeightFile } from '../onnx/weights.ts';

/** Element types a network weight may have; other stored types (int64 `position_ids`) are listed but unusable. */
export const FLOAT_DTYPES: ReadonlySet<TorchDtype> = new Set(['float32', 'float16', 'bfloat16']);

/** The largest single tensor read (every SD tensor is far below; a crafted table cannot ask for more). */
export const MAX_TENSOR_BYTES = 1024 ** 3;

export interface CheckpointTensor {
  readonly name: string;
  readonly dtype: TorchDtype;
  readonly shape: readonly number[];
  /** the tensor's values as float32, row-major (one ranged read, then an exact decode) */
  read(): Promise<Float32Array>;
}

export interface Checkpoint {
  readonly format: 'safetensors' | 'ckpt';
  /** by name, as stored (for a `.ckpt`, the keys of its `state_dict`) */
  readonly tensors: ReadonlyMap<string, CheckpointTensor>;
  /** safetensors `__metadata__` (empty for `.ckpt`) */
  readonly metadata: Readonly<Record<string, string>>;
  /** keys whose values are not tensors (`global_step`, `epoch`, …): tolerated, reported */
  readonly otherKeys: readonly string[];
}

/** The file being converted, for messages ("v1-5-pruned.safetensors"). */
export interface NamedFile {
  readonly name: string;
  readonly file: WeightFile;
}

export function badCheckpoint(file: string, detail: string, details: Record<string, unknown> = {}): StudioError {
  return new StudioError('bad-checkpoint', `${file} is not a usable checkpoint: ${detail}.`, { file, ...details });
}

export function truncated(file: string, detail: string): StudioError {
  return new StudioError('truncated', `${file} is truncated: ${detail} (an incomplete download or copy?).`, { file });
}

/** A ranged read that returns exactly `length` bytes, or a `truncated` error naming the file. */
export async function readExactly(f: NamedFile, offset: number, length: number): Promise<Uint8Array> {
  if (offset < 0 || length < 0 || offset + length > f.file.size) throw truncated(f.name, `bytes ${offset}–${offset + length} lie beyond its ${f.file.size} bytes`);
  const bytes = await f.file.read(offset, length);
  if (bytes.length !== length) throw truncated(f.name, `a read at byte ${offset} returned ${bytes.length} of ${length} bytes`);
  return bytes;
}

/** The element count of `shape`, checked: whole, non-negative, and within `MAX_TENSOR_BYTES` at `elementBytes` each. */
export function checkedNumel(shape: readonly number[], elementBytes: number, file: string, name: string): number {
  if (shape.length > 8) throw badCheckpoint(file, `tensor "${name}" has ${shape.length} dimensions`);
  let n = 1;
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d < 0) throw badCheckpoint(file, `tensor "${name}" has a dimension of ${String(d).slice(0, 20)}`);
    n *= d;
    if (n * elementBytes > MAX_TENSOR_BYTES) throw badCheckpoint(file, `tensor "${name}" claims more than ${MAX_TENSOR_BYTES} bytes`, { tensor: name });
  }
  return n;
}
