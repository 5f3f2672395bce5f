/** Tensor decoding never reads outside its storage's bytes and never does more work than the file's budget. */
import { describe, expect, it } from 'vitest';
import { codeOf } from '../../../test/support/outcome.ts';
import { decodeTensor, type StorageRef, type TensorSource, type TorchTensor } from './torch-tensor.ts';

function source(bytes: Uint8Array, decodeElements = 1 << 20): TensorSource {
  return { littleEndian: true, budget: { decodeElements, inflateBytes: 0 }, storageBytes: () => bytes };
}

function tensor(numel: number, shape: number[], stride: number[], offset = 0): TorchTensor {
  const storage: StorageRef = { pyKind: 'storage', key: '0', dtype: 'float32', numel, location: 'cpu', elementOffset: 0, bytes: undefined };
  return { pyKind: 'tensor', storage, offset, shape, stride };
}


describe('decodeTensor', () => {
  it('refuses a storage whose bytes are shorter than it declares, even inside a larger buffer', () => {
    // 4 real elements in a pool of sentinel floats: a Float32Array over the pool would read them
    const pool = new Float32Array(64).fill(1234.5);
    pool.set([1, 2, 3, 4], 8);
    const view = new Uint8Array(pool.buffer, 8 * 4, 16);
    expect(Array.from(decodeTensor(tensor(4, [4], [1]), source(view)).data)).toEqual([1, 2, 3, 4]);
    expect(codeOf(() => decodeTensor(tensor(16, [16], [1]), source(view)))).toBe('bad-tensor');
  });

  it('refuses zero-stride views claiming more elements than the file can hold, before allocating', () => {
    const one = new Uint8Array(4);
    const before = process.memoryUsage().arrayBuffers;
    expect(codeOf(() => decodeTensor(tensor(1, [16384, 16384], [0, 0]), source(one)))).toBe('limit-exceeded');
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(1 << 20);
    // a small zero-stride view is legal torch and decodes
    expect(Array.from(decodeTensor(tensor(1, [2, 3], [0, 0]), source(new Uint8Array(new Float32Array([7]).buffer))).data)).toEqual([7, 7, 7, 7, 7, 7]);
  });

  it('charges every decoded element to the budget (overlapping views cannot repeat work without limit)', () => {
    const bytes = new Uint8Array(new Float32Array(64).buffer);
    const src = source(bytes, 100);
    decodeTensor(tensor(64, [8, 8], [1, 8]), src);
    expect(src.budget.decodeElements).toBe(36);
    expect(codeOf(() => decodeTensor(tensor(64, [8, 8], [8, 1]), src))).toBe('limit-exceeded');
  });
});
