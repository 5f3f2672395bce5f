/**
 * Upcast attention on a small fp16 attention block whose scores exceed fp16's range (|Q·Kᵀ| up to ~3.2e5 >
 * 65504, still ~8e4 once scaled). onnxruntime's CPU kernels compute fp16 graphs in fp32 between casts, so the
 * overflow itself (NaN, the black image of SD 2.x 768-v in fp16) shows only on a GPU with shader-f16
 * (`npm run bench:gpu` checks it there); here the rewritten graph is checked to compute the fp32 result.
 */
import * as ort from 'onnxruntime-web';
import { describe, expect, it } from 'vitest';
import { webRuntime } from '../../engine/runtime.ts';
import { float32ToHalf, halfToFloat32 } from './float16.ts';
import { inferElemTypes } from './float-types.ts';
import { DataType, decodeModel, encodeModel, type ModelProto } from './proto.ts';
import { upcastAttention } from './upcast-attention.ts';

const runtime = webRuntime(ort as never, { threads: 1 });
const [T, D] = [6, 16];

const half = (name: string, dims: number[]) => ({ name, type: { tensor_type: { elem_type: DataType.FLOAT16, shape: { dim: dims.map((d) => ({ dim_value: d })) } } } });

/** softmax(Q·Kᵀ · scale + mask) · V, in fp16 throughout, as a torch fp16 export writes it. */
function attentionModel(): ModelProto {
  const scale = new Uint8Array(float32ToHalf(Float32Array.of(1 / Math.sqrt(D))).buffer);
  return {
    ir_version: 8,
    opset_import: [{ domain: '', version: 14 }],
    graph: {
      name: 'attention',
      node: [
        { op_type: 'Transpose', name: 'kt', input: ['k'], output: ['k_t'], attribute: [{ name: 'perm', type: 7, ints: [0, 2, 1] }] },
        { op_type: 'MatMul', name: 'qk', input: ['q', 'k_t'], output: ['scores'], attribute: [] },
        { op_type: 'Mul', name: 'scaled', input: ['scores', 'scale'], output: ['scaled'], attribute: [] },
        { op_type: 'Add', name: 'masked', input: ['scaled', 'mask'], output: ['masked'], attribute: [] },
        { op_type: 'Softmax', name: 'softmax', input: ['masked'], output: ['probs'], attribute: [{ name: 'axis', type: 2, i: -1 }] },
        { op_type: 'MatMul', name: 'pv', input: ['probs', 'v'], output: ['out'], attribute: [] },
      ],
      initializer: [{ name: 'scale', dims: [], data_type: DataType.FLOAT16, raw_data: scale }],
      input: [half('q', [1, T, D]), half('k', [1, T, D]), half('v', [1, T, D]), half('mask', [1, T, T])],
      output: [half('out', [1, T, D])],
      value_info: [half('scores', [1, T, T]), half('probs', [1, T, T])],
    },
  };
}

const wave = (n: number, f: number, a: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * f + 0.3) * a);
const INPUTS = { q: wave(T * D, 0.71, 200), k: wave(T * D, 0.71, 200), v: wave(T * D, 0.29, 1), mask: new Float32Array(T * T) };

/** The fp32 reference from the same fp16-rounded inputs. */
function reference(): Float32Array {
  const r = (a: Float32Array) => halfToFloat32(float32ToHalf(a));
  const [q, k, v] = [r(INPUTS.q), r(INPUTS.k), r(INPUTS.v)];
  const out = new Float32Array(T * D);
  for (let i = 0; i < T; i++) {
    const s = Array.from({ length: T }, (_, j) => {
      let dot = 0;
      for (let d = 0; d < D; d++) dot += q[i * D + d]! * k[j * D + d]!;
      return dot / Math.sqrt(D);
    });
    const max = Math.max(...s);
    const e = s.map((x) => Math.exp(x - max));
    const sum = e.reduce((a, b) => a + b, 0);
    for (let d = 0; d < D; d++) out[i * D + d] = e.reduce((acc, w, j) => acc + (w / sum) * v[j * D + d]!, 0);
  }
  return out;
}

async function run(model: ModelProto): Promise<Float32Array> {
  const session = await runtime.createSession({ what: 'attention', graph: encodeModel(model), files: new Map() }, { backend: 'wasm' });
  try {
    const feeds = Object.fromEntries(Object.entries(INPUTS).map(([name, data]) => [name, new ort.Tensor('float16', float32ToHalf(data), name === 'mask' ? [1, T, T] : [1, T, D])]));
    const out = (await session.run(feeds)).out!;
    return halfToFloat32(out.data as Uint16Array);
  } finally {
    await session.release();
  }
}

describe('upcast attention', () => {
  it('finds the scores chain of an fp16 Softmax and computes it in fp32', () => {
    const model = attentionModel();
    const result = upcastAttention(model);
    expect(result).toEqual({ softmaxes: 1, scores: 1, casts: 5 }); // q, k_t, scale, mask in; probs out
    const types = inferElemTypes(model.graph);
    const byName = (name: string) => model.graph.node.find((n) => n.name === name)!;
    for (const name of ['qk', 'scaled', 'masked', 'softmax']) expect(types.get(byName(name).output[0]!)).toBe(DataType.FLOAT);
    // the product with V stays fp16, reading the probabilities under their old name
    expect(byName('pv').input[0]).toBe('probs');
    expect(types.get('probs')).toBe(DataType.FLOAT16);
    expect(types.get('out')).toBe(DataType.FLOAT16);
    // a second pass finds nothing left to do
    expect(upcastAttention(decodeModel(encodeModel(model)))).toEqual({ softmaxes: 0, scores: 0, casts: 0 });
  });

  it('computes scores beyond the range of fp16 as fp32 does', async () => {
    const model = attentionModel();
    upcastAttention(model);
    const upcast = await run(model);
    const ref = reference();
    const err = upcast.reduce((m, v, i) => Math.max(m, Math.abs(v - ref[i]!)), 0);
    expect(upcast.every(Number.isFinite)).toBe(true);
    expect(err).toBeLessThan(2e-3); // fp16 output rounding of values up to 1
  }, 60_000);

  it('leaves fp32 graphs alone', () => {
    const model = attentionModel();
    for (const v of [...model.graph.input, ...model.graph.output, ...model.graph.value_info]) v.type!.tensor_type!.elem_type = DataType.FLOAT;
    model.graph.initializer[0]!.data_type = DataType.FLOAT;
    model.graph.initializer[0]!.raw_data = new Uint8Array(Float32Array.of(0.25).buffer);
    const before = encodeModel(model);
    expect(upcastAttention(model)).toEqual({ softmaxes: 0, scores: 0, casts: 0 });
    expect(encodeModel(model)).toEqual(before);
  });
});
