/**
 * The converted-weights file of `precision.ts`: a virtual `WeightFile` whose tensors are the source tensors
 * converted (fp16 → fp32 or fp32 → fp16) when they are read. onnxruntime reads it tensor by tensor while it
 * builds a session, so an fp16 model runs on an adapter without shader-f16 with no converted copy on disk and
 * one converted tensor in memory at a time; the import writes it out into shards the same way.
 */
import { decodeToFloat32 } from '../formats/dtype.ts';
import { halfBits, type ConvertedTensor } from './precision.ts';
import { DataType } from './proto.ts';
import type { WeightFile } from './weights.ts';

/** One source tensor's bytes converted. */
export function convertBytes(bytes: Uint8Array, t: Pick<ConvertedTensor, 'from' | 'to'>): Uint8Array {
  if (t.from === t.to) return bytes;
  if (t.from === DataType.FLOAT16) {
    const values = decodeToFloat32(bytes, 'float16', bytes.length / 2);
    return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  }
  // a copy when misaligned (`new Uint8Array(x)` copies even a Node Buffer, whose slice() is a view)
  const aligned = bytes.byteOffset % 4 === 0 ? bytes : new Uint8Array(bytes);
  return new Uint8Array(halfBits(new Float32Array(aligned.buffer, aligned.byteOffset, aligned.length / 4)).buffer);
}

export function convertedWeightsFile(tensors: readonly ConvertedTensor[], files: ReadonlyMap<string, WeightFile>): WeightFile {
  const sorted = [...tensors].sort((a, b) => a.offset - b.offset);
  const size = sorted.length ? sorted[sorted.length - 1]!.offset + sorted[sorted.length - 1]!.length : 0;
  const sourceOf = (t: ConvertedTensor): WeightFile => {
    const file = files.get(t.source.location);
    if (!file) throw new RangeError(`converted tensor "${t.name}" reads "${t.source.location}", which is not open`);
    return file;
  };
  /** tensors overlapping [offset, offset + length), with the part of each that is wanted */
  const pieces = (offset: number, length: number) => {
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (sorted[mid]!.offset + sorted[mid]!.length <= offset) lo = mid + 1;
      else hi = mid;
    }
    const out: { t: ConvertedTensor; from: number; to: number }[] = [];
    for (let i = lo; i < sorted.length && sorted[i]!.offset < offset + length; i++) {
      const t = sorted[i]!;
      out.push({ t, from: Math.max(offset, t.offset), to: Math.min(offset + length, t.offset + t.length) });
    }
    return out;
  };
  const assemble = (offset: number, length: number, converted: (t: ConvertedTensor) => Uint8Array): Uint8Array => {
    const list = pieces(offset, length);
    const only = list[0];
    // the usual read: exactly one tensor
    if (list.length === 1 && only && only.from === only.t.offset && only.to === only.t.offset + only.t.length && only.from === offset && only.to - only.from === length) return converted(only.t);
    const out = new Uint8Array(length); // gaps (alignment padding) read as zeros
    for (const { t, from, to } of list) out.set(converted(t).subarray(from - t.offset, to - t.offset), from - offset);
    return out;
  };
  const check = (offset: number, length: number) => {
    if (offset < 0 || length < 0 || offset + length > size) throw new RangeError(`read of [${offset}, ${offset + length}) outside the ${size}-byte converted weights`);
  };
  const syncSources = tensors.every((t) => typeof files.get(t.source.location)?.readSync === 'function');
  return {
    size,
    async read(offset, length) {
      check(offset, length);
      const list = pieces(offset, length);
      const bytes = new Map<ConvertedTensor, Uint8Array>();
      for (const { t } of list) bytes.set(t, convertBytes(await sourceOf(t).read(t.source.offset, t.source.length), t));
      return assemble(offset, length, (t) => bytes.get(t)!);
    },
    ...(syncSources
      ? {
          readSync(offset: number, length: number) {
            check(offset, length);
            return assemble(offset, length, (t) => convertBytes(sourceOf(t).readSync!(t.source.offset, t.source.length), t));
          },
        }
      : {}),
  };
}
