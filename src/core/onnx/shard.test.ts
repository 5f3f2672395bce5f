import { describe, expect, it } from 'vitest';
import { isStudioError } from '../errors.ts';
import { externalRef, setExternal } from './external.ts';
import { DataType, type ModelProto } from './proto.ts';
import { layoutShards } from './shard.ts';

/** A graph whose initializers are external: `sizes` bytes each, spread over two source files in mixed order. */
function model(sizes: number[]): ModelProto {
  const initializer = sizes.map((bytes, i) => {
    const t = { name: `t${i}`, dims: [bytes / 4], data_type: DataType.FLOAT };
    setExternal(t, { location: i % 2 ? 'b.bin' : 'a.bin', offset: 1000 * (sizes.length - i), length: bytes });
    return t;
  });
  return { opset_import: [], graph: { node: [], initializer, input: [], output: [], value_info: [] } };
}

describe('layoutShards', () => {
  it('fills shards in source order, 4 KiB-aligned, never over the limit, and re-points every tensor', () => {
    const m = model([4000, 8000, 4000, 12000, 400]);
    const shards = layoutShards(m, 16384);
    expect(shards.map((s) => s.location)).toEqual(['weights-0.bin', 'weights-1.bin', 'weights-2.bin']);
    for (const s of shards) {
      expect(s.size).toBeLessThanOrEqual(16384);
      for (const p of s.pieces) expect(p.at % 4096).toBe(0);
    }
    // a.bin's tensors first (by offset), then b.bin's
    expect(shards.flatMap((s) => s.pieces.map((p) => `${p.source.location}@${p.source.offset}`))).toEqual(['a.bin@1000', 'a.bin@3000', 'a.bin@5000', 'b.bin@2000', 'b.bin@4000']);
    const refs = m.graph.initializer.map((t) => externalRef(t)!);
    expect(refs.map((r) => r.length)).toEqual([4000, 8000, 4000, 12000, 400]);
    for (const [i, r] of refs.entries()) {
      const shard = shards.find((s) => s.location === r.location)!;
      const piece = shard.pieces.find((p) => p.source.offset === 1000 * (5 - i))!;
      expect(r.offset).toBe(piece.at);
    }
  });

  it('refuses a tensor larger than a shard', () => {
    try {
      layoutShards(model([8192]), 4096);
      expect.unreachable();
    } catch (e) {
      expect(isStudioError(e) && e.code).toBe('unsupported-model');
    }
  });
});
