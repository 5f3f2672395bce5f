/**
 * A weight file whose bytes are made tensor by tensor when they are read (converted precision, a checkpoint's
 * tensors transposed into ONNX layout): each tensor has a place (offset, length) in the virtual file and a way
 * to produce its bytes. onnxruntime and the import read one tensor at a time, so one produced tensor is in
 * memory at a time; a read spanning several tensors (or alignment gaps, which read as zeros) is assembled.
 */
import type { WeightFile } from './weights.ts';

export interface VirtualTensor {
  readonly offset: number;
  readonly length: number;
}

export function virtualWeightsFile<T extends VirtualTensor>(tensors: readonly T[], produce: (t: T) => Promise<Uint8Array>, produceSync?: (t: T) => Uint8Array): WeightFile {
  const sorted = [...tensors].sort((a, b) => a.offset - b.offset);
  const size = sorted.length ? sorted[sorted.length - 1]!.offset + sorted[sorted.length - 1]!.length : 0;
  /** tensors overlapping [offset, offset + length), with the part of each that is wanted */
  const pieces = (offset: number, length: number) => {
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (sorted[mid]!.offset + sorted[mid]!.length <= offset) lo = mid + 1;
      else hi = mid;
    }
    const out: { t: T; from: number; to: number }[] = [];
    for (let i = lo; i < sorted.length && sorted[i]!.offset < offset + length; i++) {
      const t = sorted[i]!;
      out.push({ t, from: Math.max(offset, t.offset), to: Math.min(offset + length, t.offset + t.length) });
    }
    return out;
  };
  const assemble = (offset: number, length: number, list: ReturnType<typeof pieces>, bytesOf: (t: T) => Uint8Array): Uint8Array => {
    const only = list[0];
    // the usual read: exactly one tensor
    if (list.length === 1 && only && only.from === only.t.offset && only.to === only.t.offset + only.t.length && only.from === offset && only.to - only.from === length) return bytesOf(only.t);
    const out = new Uint8Array(length); // gaps (alignment padding) read as zeros
    for (const { t, from, to } of list) out.set(bytesOf(t).subarray(from - t.offset, to - t.offset), from - offset);
    return out;
  };
  const check = (offset: number, length: number) => {
    if (offset < 0 || length < 0 || offset + length > size) throw new RangeError(`read of [${offset}, ${offset + length}) outside the ${size}-byte virtual weights`);
  };
  return {
    size,
    async read(offset, length) {
      check(offset, length);
      const list = pieces(offset, length);
      const bytes = new Map<T, Uint8Array>();
      for (const { t } of list) bytes.set(t, await produce(t));
      return assemble(offset, length, list, (t) => bytes.get(t)!);
    },
    ...(produceSync
      ? {
          readSync(offset: number, length: number) {
            check(offset, length);
            return assemble(offset, length, pieces(offset, length), produceSync);
          },
        }
      : {}),
  };
}
