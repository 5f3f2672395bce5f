import { describe, expect, it } from 'vitest';
import { isStudioError } from '../errors.ts';
import { floatTensor } from './graph.ts';
import { assertNoFusedAttention, findAttentionSites } from './locate.ts';
import { DataType, decodeModel, encodeModel, type GraphProto, type NodeProto } from './proto.ts';

const node = (op_type: string, input: string[], output: string[], name = '', domain = ''): NodeProto => ({ op_type, input, output, name, domain, attribute: [] });
const vi = (name: string, dims: number[]) => ({ name, type: { tensor_type: { elem_type: DataType.FLOAT, shape: { dim: dims.map((d) => ({ dim_value: d })) } } } });

/** A tiny ORT-optimised attention: one com.microsoft op fed the hidden state (or a packed KV MatMul). */
function fusedGraph(kind: 'attention' | 'packed-kv' | 'packed-qkv'): GraphProto {
  const w = floatTensor('qkv_weight', [8, 24], new Float32Array(8 * 24), DataType.FLOAT);
  const nodes =
    kind === 'attention'
      ? [node('Attention', ['x', 'qkv_weight'], ['y'], '/attn1/Attention', 'com.microsoft')]
      : [
          node('MatMul', ['x', 'qkv_weight'], ['kv'], '/attn2/MatMul_KV'),
          node('MultiHeadAttention', kind === 'packed-kv' ? ['q', 'kv'] : ['kv'], ['y'], '/attn2/MultiHeadAttention', 'com.microsoft'),
        ];
  return { node: nodes, initializer: [w], input: [vi('x', [1, 4, 8])], output: [vi('y', [1, 4, 8])], value_info: [] };
}

describe('fused attention', () => {
  it.each(['attention', 'packed-kv', 'packed-qkv'] as const)('refuses %s with a message naming the export settings', (kind) => {
    // through encode/decode, as a real file would arrive
    const bytes = encodeModel({ ir_version: 8, opset_import: [{ domain: '', version: 17 }, { domain: 'com.microsoft', version: 1 }], graph: fusedGraph(kind) });
    try {
      findAttentionSites(decodeModel(bytes).graph);
      expect.unreachable();
    } catch (e) {
      expect(isStudioError(e) && e.code).toBe('fused-attention');
      expect(String((e as Error).message)).toMatch(/--disable_attention --disable_packed_kv --disable_packed_qkv/);
      expect(String((e as Error).message)).toMatch(kind === 'attention' ? /packed Q\/K\/V/ : kind === 'packed-kv' ? /packed KV/ : /packed QKV/);
    }
  });

  it('accepts MultiHeadAttention fed separate projected K and V', () => {
    const t = (n: string): ReturnType<typeof floatTensor> => floatTensor(n, [8, 8], new Float32Array(64), DataType.FLOAT);
    const g: GraphProto = {
      node: [
        node('MatMul', ['x', 'wq'], ['q']),
        node('MatMul', ['encoder_hidden_states', 'wk'], ['k']),
        node('MatMul', ['encoder_hidden_states', 'wv'], ['v']),
        node('MultiHeadAttention', ['q', 'k', 'v'], ['y'], '', 'com.microsoft'),
      ],
      initializer: [t('wq'), t('wk'), t('wv')],
      input: [vi('x', [1, 4, 8]), vi('encoder_hidden_states', [1, 7, 8])],
      output: [vi('y', [1, 4, 8])],
      value_info: [],
    };
    expect(() => assertNoFusedAttention(g)).not.toThrow();
    const found = findAttentionSites(g);
    expect(found.method).toBe('structure');
    expect(found.sites.map((s) => `${s.attention}/${s.role}/${s.width}`)).toEqual(['attn2/k/8', 'attn2/v/8']);
  });
});
