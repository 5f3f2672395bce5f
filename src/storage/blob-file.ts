/**
 * A Blob or File (a dropped file, an OPFS file) as a `WeightFile`: read in ranges with `slice()`, never whole
 * (Chromium refuses Blob reads of 2 GiB and more). In a worker, `FileReaderSync` gives the synchronous reads
 * onnxruntime-web's lazy mounts need, so a session pulls each tensor as it builds.
 */
import type { WeightFile } from '../core/onnx/weights.ts';

interface FileReaderSyncLike {
  readAsArrayBuffer(blob: Blob): ArrayBuffer;
}

function syncReader(): FileReaderSyncLike | null {
  const Ctor = (globalThis as { FileReaderSync?: new () => FileReaderSyncLike }).FileReaderSync;
  return Ctor ? new Ctor() : null;
}

export function blobWeightFile(blob: Blob): WeightFile {
  const check = (offset: number, length: number) => {
    if (offset < 0 || length < 0 || offset + length > blob.size) throw new RangeError(`read of [${offset}, ${offset + length}) outside a ${blob.size}-byte file`);
  };
  const sync = syncReader();
  return {
    size: blob.size,
    async read(offset, length) {
      check(offset, length);
      return new Uint8Array(await blob.slice(offset, offset + length).arrayBuffer());
    },
    ...(sync
      ? {
          readSync(offset: number, length: number) {
            check(offset, length);
            return new Uint8Array(sync.readAsArrayBuffer(blob.slice(offset, offset + length)));
          },
        }
      : {}),
  };
}
