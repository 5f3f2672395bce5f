/**
 * Clip skip as a graph input. A1111 conditions on `final_layer_norm(hidden_states[-N])`: the residual stream
 * after layer L−N+1 of L, then the text model's final LayerNorm (N = 1 is the normal output). Exports compute
 * only the last layer's, so the text encoder is rewritten once: every layer's output is stacked, an int64 scalar
 * input `clip_skip` picks one (clamped to 1…L), and the final LayerNorm reads it. One session serves every clip
 * skip; changing it rebuilds nothing.
 *
 * Finding the layers needs no names: from the final LayerNorm's input the residual stream is walked back Add by
 * Add — the stream is the Add input that a pre-norm LayerNorm also reads (two Adds per layer: attention, MLP) —
 * until the embeddings. Works for the fused LayerNormalization op (opset ≥ 17) and torch's decomposed form
 * (ReduceMean, Sub, Pow, ReduceMean, Add, Sqrt, Div, Mul, Add).
 */
import { StudioError } from '../errors.ts';
import { defaultOpset, indexGraph, int64Tensor, type GraphIndex } from './graph.ts';
import { DataType, type ModelProto, type NodeProto } from './proto.ts';

export const CLIP_SKIP_INPUT = 'clip_skip';

/** The LayerNorm producing `output`: its input tensor and the nodes that read that input. */
function finalNorm(index: GraphIndex, output: string): { input: string; readers: NodeProto[] } {
  const producer = index.producer.get(output);
  if (producer?.op_type === 'LayerNormalization') return { input: producer.input[0]!, readers: [producer] };
  // decomposed: walk back a few nodes to the ReduceMean of the mean (not the one of the variance, which reads a Pow)
  const seen = new Set<NodeProto>();
  const queue = producer ? [producer] : [];
  for (let depth = 0; queue.length && depth < 64; depth++) {
    const node = queue.shift()!;
    if (seen.has(node)) continue;
    seen.add(node);
    if (node.op_type === 'ReduceMean' && index.producer.get(node.input[0]!)?.op_type !== 'Pow') {
      const input = node.input[0]!;
      const readers = (index.consumers.get(input) ?? []).filter((n) => n === node || (n.op_type === 'Sub' && n.input.includes(node.output[0]!)));
      return { input, readers };
    }
    for (const i of node.input) {
      const p = index.producer.get(i);
      if (p) queue.push(p);
    }
  }
  throw new StudioError('unsupported-model', `The text encoder's ${output} does not come from a LayerNorm; clip skip needs CLIP's final layer norm.`);
}

/** True when `name` is read by the start of a LayerNorm (a pre-norm: the residual stream). */
function readByNorm(index: GraphIndex, name: string): boolean {
  return (index.consumers.get(name) ?? []).some((n) => n.op_type === 'LayerNormalization' || n.op_type === 'ReduceMean');
}

/** Layer outputs h_1…h_L, walking the residual stream back from the final norm's input h_L. */
function layerOutputs(index: GraphIndex, last: string): string[] {
  const stream = [last];
  for (let name = last; ; ) {
    const add = index.producer.get(name);
    if (add?.op_type !== 'Add') break;
    const previous = add.input.find((i) => readByNorm(index, i));
    if (!previous) break;
    stream.push(previous);
    name = previous;
  }
  // stream = [h_L, mid_L, h_{L-1}, mid_{L-1}, …, h_0]: even positions are layer outputs, the last is the embedding
  if (stream.length < 3 || stream.length % 2 === 0) throw new StudioError('unsupported-model', `The text encoder's layers could not be found (a residual stream of ${stream.length} tensors); clip skip needs a CLIP text model.`);
  return stream.filter((_, i) => i % 2 === 0).slice(0, -1).reverse();
}

/**
 * Adds the `clip_skip` input (int64 scalar) to a CLIP text encoder, in place; returns its layer count. The
 * default export computes clip skip 1 exactly as before.
 */
export function exposeClipSkip(model: ModelProto, output = 'last_hidden_state'): number {
  const graph = model.graph;
  if (graph.input.some((v) => v.name === CLIP_SKIP_INPUT)) throw new StudioError('graph-error', 'The text encoder already has a clip_skip input.');
  const index = indexGraph(graph);
  const { input, readers } = finalNorm(index, output);
  const layers = layerOutputs(index, input);
  const name = (s: string) => `/clip_skip/${s}`;
  const axes = int64Tensor(name('axes'), [0]);
  const bounds = [int64Tensor(name('layers'), [layers.length]), int64Tensor(name('one'), [1]), int64Tensor(name('last'), [layers.length - 1]), int64Tensor(name('zero'), [0])];
  for (const t of [axes, ...bounds]) t.dims = t.name === axes.name ? [1] : [];
  // Unsqueeze takes its axes as an input from opset 13, as an attribute before
  const unsqueeze = (h: string) => (defaultOpset(model) >= 13 ? { input: [h, axes.name!], attribute: [] } : { input: [h], attribute: [{ name: 'axes', type: 7, ints: [0] }] });
  const nodes: NodeProto[] = layers.map((h, i) => ({ op_type: 'Unsqueeze', name: name(`Unsqueeze_${i}`), output: [name(`layer_${i + 1}`)], ...unsqueeze(h) }));
  const node = (op: string, inputs: string[], out: string, attribute: NodeProto['attribute'] = []): string => {
    nodes.push({ op_type: op, name: name(op + nodes.length), input: inputs, output: [name(out)], attribute });
    return name(out);
  };
  const stack = node('Concat', layers.map((_, i) => name(`layer_${i + 1}`)), 'stack', [{ name: 'axis', type: 2, i: 0 }]);
  // index = clamp(L − clip_skip, 0, L − 1)
  const raw = node('Sub', [name('layers'), CLIP_SKIP_INPUT], 'index_raw');
  const low = node('Max', [raw, name('zero')], 'index_low');
  const at = node('Min', [low, name('last')], 'index');
  const chosen = node('Gather', [stack, at], 'hidden', [{ name: 'axis', type: 2, i: 0 }]);
  for (const reader of readers) reader.input = reader.input.map((i) => (i === input ? chosen : i));
  // the new nodes go right before the first reader (after every layer output they read)
  const first = Math.min(...readers.map((r) => graph.node.indexOf(r)));
  graph.node.splice(first, 0, ...nodes);
  graph.initializer.push(axes, ...bounds);
  graph.input.push({ name: CLIP_SKIP_INPUT, type: { tensor_type: { elem_type: DataType.INT64, shape: { dim: [] } } } });
  return layers.length;
}
