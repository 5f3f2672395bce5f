import { describe, expect, it } from 'vitest';
import { EXTERNAL, decodeModel, encodeModel } from './proto.ts';
import { externalRef, referenceOriginal } from './external.ts';
import { fixtureBytes } from '../../../test/fixtures/onnx/helpers.ts';

describe('ONNX read/write', () => {
  const bytes = fixtureBytes('onnx/tiny-unet.onnx');

  it('round-trips a model byte for byte', () => {
    expect(Buffer.compare(encodeModel(decodeModel(bytes)), bytes)).toBe(0);
  });

  it('decodes weights as views of the input, never copies', () => {
    const m = decodeModel(bytes);
    const big = m.graph.initializer.filter((t) => (t.raw_data?.length ?? 0) >= 1024);
    expect(big.length).toBeGreaterThan(10);
    for (const t of big) expect(t.raw_data!.buffer).toBe(bytes.buffer);
  });

  it('points large initializers at the original bytes', () => {
    const m = decodeModel(bytes);
    const before = new Map(m.graph.initializer.map((t) => [t.name, t.raw_data]));
    const n = referenceOriginal(m, bytes, 'base.onnx');
    expect(n).toBeGreaterThan(0);
    for (const t of m.graph.initializer) {
      const ref = externalRef(t);
      if (!ref) continue;
      expect(t.data_location).toBe(EXTERNAL);
      const raw = before.get(t.name)!;
      expect(Buffer.compare(bytes.subarray(ref.offset, ref.offset + ref.length), raw!)).toBe(0);
    }
  });
});
