/**
 * Tensor decoding for `torch.ts`: a tensor (storage, offset, shape, stride) → exact float32, bounds checked
 * against its storage, under the file's element budget. Views may overlap or have zero strides (legal in
 * torch), so a small file can describe tensors with far more elements than it has bytes; the budget refuses
 * those before anything is allocated or gathered.
 */
import { StudioError } from '../errors.ts';
import { DTYPE_SIZE, decodeToFloat32, swapBytes, type TorchDtype } from './dtype.ts';
import type { PyExtension } from './pickle.ts';

/** A storage named by a persistent id; its bytes are read on first use (`TensorSource.storageBytes`). */
export interface StorageRef extends PyExtension {
  readonly pyKind: 'storage';
  readonly key: string;
  readonly dtype: TorchDtype;
  /** element count declared by the pickle */
  readonly numel: number;
  readonly location: string;
  /** element offset into the root storage (legacy storage views only) */
  readonly elementOffset: number;
  /** bound by the loader: legacy files at once, zip records on first use */
  bytes: Uint8Array | undefined;
}

export interface TorchTensor extends PyExtension {
  readonly pyKind: 'tensor';
  readonly storage: StorageRef;
  readonly offset: number;
  readonly shape: readonly number[];
  readonly stride: readonly number[];
}

/** What a file's reads may still cost. Loaders set defaults; readers of a known format may tighten them. */
export interface ReadBudget {
  /** float32 elements `decodeTensor` may still produce */
  decodeElements: number;
  /** bytes compressed records may still inflate to */
  inflateBytes: number;
}

/** Where tensors get their bytes: the loaded file. */
export interface TensorSource {
  readonly littleEndian: boolean;
  readonly budget: ReadBudget;
  /** the storage's bytes: `(elementOffset + numel) × elsize` of them at least */
  storageBytes(ref: StorageRef): Uint8Array;
}

export interface DecodedTensor {
  readonly dtype: TorchDtype;
  readonly shape: readonly number[];
  /** float32 values, row-major; a view of the file where the stored bytes allow */
  readonly data: Float32Array;
  /** the stored bytes in row-major order, little-endian; a view where the tensor is contiguous */
  readonly raw: Uint8Array;
}

/**
 * Decoded elements allowed per file byte by default: a real file stores each element once in ≥ 2 bytes
 * (fp16), so even with every tensor shared twice it needs ≤ 1 element per byte.
 */
export const ELEMENTS_PER_FILE_BYTE = 4;
/** …plus this many, so that tiny test files are never refused. */
export const ELEMENTS_SLACK = 1 << 20;

export function isTensor(v: unknown): v is TorchTensor {
  return typeof v === 'object' && v !== null && (v as Partial<TorchTensor>).pyKind === 'tensor';
}

function bad(msg: string): never {
  throw new StudioError('bad-tensor', msg);
}

function isContiguous(shape: readonly number[], stride: readonly number[]): boolean {
  let expected = 1;
  for (let k = shape.length - 1; k >= 0; k--) {
    if (shape[k] !== 1 && stride[k] !== expected) return false;
    expected *= shape[k]!;
  }
  return true;
}

/** Gathers a strided tensor's elements into contiguous bytes (iteratively: no recursion on rank). */
function gather(src: Uint8Array, elsize: number, offset: number, shape: readonly number[], stride: readonly number[], numel: number): Uint8Array {
  const out = new Uint8Array(numel * elsize);
  const index = new Array<number>(shape.length).fill(0);
  let element = offset;
  for (let i = 0, d = 0; i < numel; i++) {
    for (let b = 0, s = element * elsize; b < elsize; b++) out[d++] = src[s + b]!;
    for (let k = shape.length - 1; k >= 0; k--) {
      index[k]!++;
      element += stride[k]!;
      if (index[k]! < shape[k]!) break;
      element -= stride[k]! * shape[k]!;
      index[k] = 0;
    }
  }
  return out;
}

/** Element count of a shape, or an error when it is not a safe integer. */
export function elementCount(shape: readonly number[]): number {
  let n = 1;
  for (const s of shape) {
    n *= s;
    if (!Number.isSafeInteger(n)) bad(`A tensor of shape [${shape.join(', ')}] has more elements than any file can hold.`);
  }
  return n;
}

/** Decodes a tensor exactly to float32 (bounds checked against its storage, charged to the file's budget). */
export function decodeTensor(t: TorchTensor, source: TensorSource): DecodedTensor {
  const { storage, shape, stride, offset } = t;
  const elsize = DTYPE_SIZE[storage.dtype];
  const numel = elementCount(shape);
  if (numel > source.budget.decodeElements) {
    throw new StudioError(
      'limit-exceeded',
      `A tensor of shape [${shape.join(', ')}] has ${numel} elements, more than this file can hold (${source.budget.decodeElements} left): its views overlap or repeat elements.`,
      { shape: [...shape], limit: source.budget.decodeElements },
    );
  }
  source.budget.decodeElements -= numel;
  if (numel > 0) {
    const last = shape.reduce((acc, n, k) => acc + (n - 1) * stride[k]!, offset);
    if (last >= storage.numel) bad(`Tensor of shape [${shape.join(', ')}] at offset ${offset} reaches past its storage ${storage.key} (${storage.numel} elements).`);
  }
  const bytes = source.storageBytes(storage);
  const base = bytes.subarray(storage.elementOffset * elsize, (storage.elementOffset + storage.numel) * elsize);
  if (base.length !== storage.numel * elsize) bad(`Storage ${storage.key} holds fewer bytes than it declares.`);
  let raw = isContiguous(shape, stride) ? base.subarray(offset * elsize, (offset + numel) * elsize) : gather(base, elsize, offset, shape, stride, numel);
  // never let a typed array reach outside its own bytes (the file may be a view into a larger buffer)
  if (raw.length !== numel * elsize) bad(`Tensor of shape [${shape.join(', ')}] does not fit its storage ${storage.key}.`);
  if (!source.littleEndian && elsize > 1) {
    if (raw.buffer === base.buffer) raw = raw.slice();
    swapBytes(raw, elsize);
  }
  const aligned = raw.byteOffset % 4 === 0;
  const data = storage.dtype === 'float32' && aligned ? new Float32Array(raw.buffer, raw.byteOffset, numel) : decodeToFloat32(raw, storage.dtype, numel);
  return { dtype: storage.dtype, shape, data, raw };
}
