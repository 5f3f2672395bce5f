/**
 * The attn2 K/V chains as a model of their own. Every cross-attention layer reads the same text context, at
 * every step, so these chains can run once per prompt outside the U-Net; the U-Net patched with
 * `crossAttention: 'external'` then takes the two results as inputs. Measured against keeping the chain in
 * the graph (where it already runs once per U-Net call, shared by all attn2 layers): see README.md.
 */
import type { Hypernetwork } from '../hypernetwork/types.ts';
import { emitChain } from './chain.ts';
import { Emitter } from './graph.ts';
import { CONTEXT_K, CONTEXT_V, PRECISION, strengthInputName } from './patch.ts';
import { DataType, encodeModel, type ModelProto, type ValueInfoProto } from './proto.ts';

export interface ContextModelOptions {
  width: number;
  /** element type of the context (the U-Net's) */
  dtype?: number;
  opset?: number;
  strengthShape?: 'scalar' | 'batch';
  precision?: 'fp32' | 'model';
  /** name of the context input (default `encoder_hidden_states`) */
  input?: string;
  collapseLinear?: boolean;
}

function tensor(name: string, elem: number, dims: (string | number)[]): ValueInfoProto {
  return { name, type: { tensor_type: { elem_type: elem, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dim_value: d } : { dim_param: d })) } } } };
}

/** Inputs: the context and `hypernetwork_strength_<i>`; outputs `hypernetwork_context_k` / `_v`. */
export function contextModel(stack: readonly Hypernetwork[], o: ContextModelOptions): ModelProto {
  const dtype = o.dtype ?? DataType.FLOAT;
  const opset = o.opset ?? 17;
  const input = o.input ?? 'encoder_hidden_states';
  const batch = o.strengthShape === 'batch';
  const dims = ['batch_size', 'sequence_length', o.width];
  const model: ModelProto = {
    ir_version: 8,
    opset_import: [{ domain: '', version: opset }],
    producer_name: 'hnstudio',
    graph: {
      name: 'hypernetwork_context',
      node: [],
      initializer: [],
      input: [tensor(input, dtype, dims), ...stack.map((_, i) => tensor(strengthInputName(i), DataType.FLOAT, [batch ? 'batch_size' : 1]))],
      output: [tensor(CONTEXT_K, dtype, dims), tensor(CONTEXT_V, dtype, dims)],
      value_info: [],
    },
  };
  const emit = new Emitter(model.graph);
  const mlpType = (o.precision ?? PRECISION) === 'fp32' ? DataType.FLOAT : dtype;
  const strengths = new Map<string, string>();
  const strength = (i: number, t: number): string => {
    const key = `${i}.${t}`;
    let s = strengths.get(key);
    if (!s) {
      s = strengthInputName(i);
      if (batch) s = emit.node('Reshape', [s, emit.initializer('hypernetwork.shape.per_image', (n) => ({ name: n, dims: [3], data_type: DataType.INT64, raw_data: new Uint8Array(BigInt64Array.of(-1n, 1n, 1n).buffer) }))], `/hypernetwork_${i}/strength/Reshape`);
      if (t !== DataType.FLOAT) s = emit.node('Cast', [s], `/hypernetwork_${i}/strength/Cast`, { to: t });
      strengths.set(key, s);
    }
    return s;
  };
  for (const [role, out] of [['k', CONTEXT_K], ['v', CONTEXT_V]] as const) {
    const y = emitChain({ emit, opset, ioType: dtype, mlpType, strength, scope: `/hypernetwork/context/${role}`, collapseLinear: o.collapseLinear }, stack, o.width, role, input);
    emit.node('Identity', [y], `/hypernetwork/context/${role}/out`);
    emit.nodes.at(-1)!.output = [out];
  }
  model.graph.node = [...emit.constantNodes, ...emit.drain()];
  model.graph.initializer = emit.initializers;
  return model;
}

export function buildContextModel(stack: readonly Hypernetwork[], o: ContextModelOptions): Uint8Array {
  return encodeModel(contextModel(stack, o));
}
