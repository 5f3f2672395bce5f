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
import { virtualWeightsFile } from './virtual-weights.ts';

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
  const sourceOf = (t: ConvertedTensor): WeightFile => {
    const file = files.get(t.source.location);
    if (!file) throw new RangeError(`converted tensor "${t.name}" reads "${t.source.location}", which is not open`);
    return file;
  };
  const syncSources = tensors.every((t) => typeof files.get(t.source.location)?.readSync === 'function');
  return virtualWeightsFile(
    tensors,
    async (t) => convertBytes(await sourceOf(t).read(t.source.offset, t.source.length), t),
    syncSources ? (t) => convertBytes(sourceOf(t).readSync!(t.source.offset, t.source.length), t) : undefined,
  );
}
