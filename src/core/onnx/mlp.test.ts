/** Every activation's ONNX formula against the fp32 reference forward (forward.ts), via the context model. */
import { describe, expect, it } from 'vitest';
import { applyHypernetworks } from '../hypernetwork/forward.ts';
import { BATCH_AXIS, ELEMENTWISE } from '../hypernetwork/activations.ts';
import type { Hypernetwork, Layer } from '../hypernetwork/types.ts';
import { buildContextModel } from './context-model.ts';
import { DataType } from './proto.ts';
import { hypernetworkFixture, maxAbsDiff, ort, session, strengthFeeds } from '../../../test/fixtures/onnx/helpers.ts';

function withActivation(hn: Hypernetwork, name: string): Hypernetwork {
  const swap = (layers: readonly Layer[]): Layer[] => layers.map((l) => (l.type === 'activation' ? { ...l, name } : l));
  const modules = new Map([...hn.modules].map(([w, [k, v]]) => [w, [{ ...k, layers: swap(k.layers) }, { ...v, layers: swap(v.layers) }] as const]));
  return { ...hn, modules };
}

// [batch 2, 3 tokens, width 8]; wide range so clamps, shrink thresholds and the negative branches are reached
const x = Float32Array.from({ length: 2 * 3 * 8 }, (_, i) => Math.sin(i * 1.7) * (i % 5) * 1.5);
const prelu = hypernetworkFixture('activation-prelu.pt');

describe('activation formulas in ONNX', () => {
  const names = [...Object.keys(ELEMENTWISE), ...BATCH_AXIS];
  it.each(names)('%s matches the fp32 reference', async (name) => {
    const hn = name === 'prelu' ? prelu : withActivation(prelu, name);
    const strength = 0.8;
    const s = await session(buildContextModel([hn], { width: 8, opset: name === 'layernorm' ? 17 : 14 }));
    const r = await s.run({ encoder_hidden_states: new ort.Tensor('float32', x, [2, 3, 8]), ...strengthFeeds([strength]) });
    const want = applyHypernetworks([{ hypernetwork: hn, strength }], x, 8, 2);
    expect(maxAbsDiff(r.hypernetwork_context_k!.data as Float32Array, want.k)).toBeLessThanOrEqual(1e-5);
    expect(maxAbsDiff(r.hypernetwork_context_v!.data as Float32Array, want.v)).toBeLessThanOrEqual(1e-5);
  }, 20_000);

  it('refuses activations A1111 cannot build', () => {
    expect(() => buildContextModel([withActivation(prelu, 'glu')], { width: 8 })).toThrow(/GLU/);
  });

  it('decomposes LayerNorm below opset 17 and uses the op from 17', async () => {
    const hn = hypernetworkFixture('layout-05-act-ln.pt');
    const want = applyHypernetworks([{ hypernetwork: hn, strength: 1 }], x, 8, 2);
    for (const opset of [14, 17]) {
      const s = await session(buildContextModel([hn], { width: 8, opset, dtype: DataType.FLOAT }));
      const r = await s.run({ encoder_hidden_states: new ort.Tensor('float32', x, [2, 3, 8]), ...strengthFeeds([1]) });
      expect(maxAbsDiff(r.hypernetwork_context_k!.data as Float32Array, want.k)).toBeLessThanOrEqual(1e-5);
    }
  });
});
