/**
 * Weight files handed to onnxruntime-web without reading them first. onnxruntime-web 1.30 mounts each
 * `externalData` entry as a Uint8Array and, while it builds a session, copies each initializer out of it with
 * `subarray(offset, offset + length)` (into the wasm heap on WASM, into a GPU buffer on WebGPU), checking
 * `byteLength` first — synchronously. A Uint8Array subclass that answers those two from a synchronous ranged
 * read (FileReaderSync in a worker, readSync in Node) lets a 3.4 GB U-Net load with one tensor in JS memory at a
 * time, instead of the whole file (Chromium cannot even read a Blob of 2 GiB or more in one piece).
 *
 * This leans on how onnxruntime-web reads mounted files; `e2e` and `src/engine/runtime.test.ts` load real
 * models through it, so an onnxruntime upgrade that changes the access pattern fails there, not in users' hands.
 */
import type { WeightFile } from '../core/onnx/weights.ts';

type SyncWeightFile = WeightFile & { readSync: NonNullable<WeightFile['readSync']> };

export class LazyBytes extends Uint8Array {
  readonly #file: SyncWeightFile;
  /** bytes handed out so far, and the largest single read (for the memory report) */
  readBytes = 0;
  largestRead = 0;

  constructor(file: SyncWeightFile) {
    super(0);
    this.#file = file;
  }

  override get byteLength(): number {
    return this.#file.size;
  }

  override get length(): number {
    return this.#file.size;
  }

  override subarray(begin = 0, end = this.#file.size): Uint8Array<ArrayBuffer> {
    const from = Math.max(0, Math.min(begin, this.#file.size));
    const to = Math.max(from, Math.min(end, this.#file.size));
    const bytes = this.#file.readSync(from, to - from);
    this.readBytes += bytes.length;
    this.largestRead = Math.max(this.largestRead, bytes.length);
    return bytes as Uint8Array<ArrayBuffer>;
  }
}

export function canReadLazily(file: WeightFile): file is SyncWeightFile {
  return typeof file.readSync === 'function';
}
