/**
 * Finds the attention K/V projections of a U-Net graph: the MatMuls whose input a hypernetwork must transform
 * (docs §4.2). First by the exporter's node-name scopes (`…/attn1/to_k/MatMul`, also the ldm layout
 * `…/transformer_blocks.0/attn2/to_v/MatMul`); when no name matches, structurally from each attention core
 * (Softmax ← MatMul(q, kᵀ) and MatMul(softmax, v), or an unpacked MultiHeadAttention). Fused attention with
 * packed projections is refused: there is no separate K or V input left to transform.
 */
import { StudioError } from '../errors.ts';
import { constantTensor, indexGraph, type GraphIndex } from './graph.ts';
import { DataType, int, type GraphProto, type NodeProto } from './proto.ts';

export interface KvSite {
  /** the projection MatMul; its input[0] is the context the hypernetwork transforms */
  node: NodeProto;
  role: 'k' | 'v';
  attention: 'attn1' | 'attn2';
  /** context width = rows of the [in, out] weight */
  width: number;
  /** element type of the projection weight (FLOAT or FLOAT16) */
  dtype: number;
}

export interface AttentionSites {
  sites: KvSite[];
  method: 'names' | 'structure';
  /** the graph input holding the text context (attn2 reads it), when found */
  contextInput: string | null;
}

const NAME = /(?:^|\/)(attn[12])\/to_([kv])(?:_\d+)?\/MatMul(?:_\d+)?$/;
const PASS_THROUGH = new Set(['Reshape', 'Transpose', 'Mul', 'Div', 'Cast', 'Unsqueeze', 'Squeeze', 'Identity', 'Add']);

function fusedMessage(what: string): string {
  return (
    `This U-Net was exported with fused attention (${what}), so it has no separate K and V inputs for a hypernetwork to change. ` +
    'Use an export without attention fusion: plain `optimum-cli export onnx` without --optimize, or onnxruntime ' +
    '`optimize_pipeline.py` with --disable_attention --disable_packed_kv --disable_packed_qkv, or Olive with ' +
    'enable_attention, enable_packed_qkv and enable_packed_kv set to false.'
  );
}

/** Throws `fused-attention` for com.microsoft Attention (packed QKV) and MultiHeadAttention with packed KV/QKV. */
export function assertNoFusedAttention(graph: GraphProto): void {
  for (const n of graph.node) {
    if (n.domain !== 'com.microsoft') continue;
    if (n.op_type === 'Attention' || n.op_type === 'PackedAttention' || n.op_type === 'PackedMultiHeadAttention') {
      throw new StudioError('fused-attention', fusedMessage(`com.microsoft ${n.op_type} with packed Q/K/V weights, node "${n.name ?? ''}"`), { node: n.name, op: n.op_type });
    }
    if (n.op_type === 'MultiHeadAttention' && !n.input[2]) {
      const kind = n.input[1] ? 'packed KV' : 'packed QKV';
      throw new StudioError('fused-attention', fusedMessage(`com.microsoft MultiHeadAttention with ${kind}, node "${n.name ?? ''}"`), { node: n.name, op: n.op_type });
    }
  }
}

function projection(index: GraphIndex, node: NodeProto): { width: number; dtype: number } | null {
  if (node.op_type !== 'MatMul' || !node.input[1]) return null;
  const w = constantTensor(index, node.input[1]);
  const dims = w?.dims?.map(int);
  if (!w || dims?.length !== 2) return null;
  const dtype = w.data_type ?? 0;
  if (dtype !== DataType.FLOAT && dtype !== DataType.FLOAT16) return null;
  return { width: dims[0]!, dtype };
}

/** The text-context graph input: `encoder_hidden_states`, else the only 3-D float input. */
export function contextInputName(graph: GraphProto): string | null {
  const named = graph.input.find((v) => v.name === 'encoder_hidden_states');
  if (named) return named.name;
  const threeD = graph.input.filter((v) => v.type?.tensor_type?.shape?.dim.length === 3);
  return threeD.length === 1 ? threeD[0]!.name : null;
}

/** Walks up from `tensor` through reshapes/transposes/scales to the projection MatMul that made it. */
function projectionAbove(index: GraphIndex, tensor: string): NodeProto | null {
  let name = tensor;
  for (let depth = 0; depth < 12; depth++) {
    const p = index.producer.get(name);
    if (!p) return null;
    if (projection(index, p)) return p;
    if (!PASS_THROUGH.has(p.op_type)) return null;
    // the data operand: the first input that is not a constant
    const next = p.input.find((i) => i && !constantTensor(index, i));
    if (!next) return null;
    name = next;
  }
  return null;
}

function readsContext(index: GraphIndex, node: NodeProto, context: string | null): boolean {
  let name = node.input[0] ?? '';
  for (let depth = 0; depth < 3 && context; depth++) {
    if (name === context) return true;
    const p = index.producer.get(name);
    if (!p || (p.op_type !== 'Cast' && p.op_type !== 'Identity')) return false;
    name = p.input[0] ?? '';
  }
  return false;
}

function byStructure(index: GraphIndex, graph: GraphProto): { node: NodeProto; role: 'k' | 'v' }[] {
  const found: { node: NodeProto; role: 'k' | 'v' }[] = [];
  const add = (node: NodeProto | null, role: 'k' | 'v'): void => {
    if (node && !found.some((f) => f.node === node)) found.push({ node, role });
  };
  for (const n of graph.node) {
    if (n.op_type === 'MultiHeadAttention' && n.domain === 'com.microsoft') {
      add(projectionAbove(index, n.input[1] ?? ''), 'k');
      add(projectionAbove(index, n.input[2] ?? ''), 'v');
      continue;
    }
    if (n.op_type !== 'Softmax') continue;
    // scores = MatMul(q, kᵀ), possibly scaled or masked before the Softmax
    let scores = index.producer.get(n.input[0] ?? '');
    for (let d = 0; scores && scores.op_type !== 'MatMul' && d < 4; d++) scores = index.producer.get(scores.input[0] ?? '');
    if (!scores || scores.op_type !== 'MatMul') continue;
    let probs = n.output[0] ?? '';
    let av = index.consumers.get(probs)?.find((c) => c.op_type === 'MatMul' && c.input[0] === probs);
    if (!av) {
      const cast = index.consumers.get(probs)?.find((c) => c.op_type === 'Cast' || c.op_type === 'Dropout');
      probs = cast?.output[0] ?? '';
      av = index.consumers.get(probs)?.find((c) => c.op_type === 'MatMul' && c.input[0] === probs);
    }
    const k = projectionAbove(index, scores.input[1] ?? '');
    const v = av ? projectionAbove(index, av.input[1] ?? '') : null;
    if (k && v) {
      add(k, 'k');
      add(v, 'v');
    }
  }
  return found;
}

export function findAttentionSites(graph: GraphProto): AttentionSites {
  assertNoFusedAttention(graph);
  const index = indexGraph(graph);
  const contextInput = contextInputName(graph);
  const sites: KvSite[] = [];
  for (const node of graph.node) {
    const m = NAME.exec(node.name ?? '');
    const proj = m ? projection(index, node) : null;
    if (m && proj) sites.push({ node, role: m[2] as 'k' | 'v', attention: m[1] as 'attn1' | 'attn2', ...proj });
  }
  if (sites.length) return { sites, method: 'names', contextInput };
  for (const { node, role } of byStructure(index, graph)) {
    const proj = projection(index, node)!;
    sites.push({ node, role, attention: readsContext(index, node, contextInput) ? 'attn2' : 'attn1', ...proj });
  }
  return { sites, method: 'structure', contextInput };
}
