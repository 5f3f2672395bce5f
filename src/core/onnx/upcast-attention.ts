/**
 * "Upcast cross attention layer to float32" (A1111's option; diffusers' `upcast_attention`) for an fp16 graph:
 * every attention's scores — the Q·Kᵀ MatMul, its scaling and masking, and the Softmax — computed in fp32, the
 * probabilities cast back to fp16 for the product with V. In fp16, Q·Kᵀ overflows 65504 on some SD 2.x 768-v
 * prompts and the Softmax of ±inf turns the image black (NaN); fp32 scores cannot overflow. Weights are not
 * touched: only Casts are inserted and the chain's values renamed, so the rewrite costs nothing at load.
 *
 * The chain is found from each fp16 Softmax backwards through elementwise operators (scale, mask) to the MatMul
 * that makes the scores; a Softmax without such a MatMul is still upcast (diffusers' `upcast_softmax`).
 */
import { inferElemTypes } from './float-types.ts';
import { indexGraph } from './graph.ts';
import { DataType, type ModelProto, type NodeProto } from './proto.ts';

/** Operators between the scores' MatMul and the Softmax in torch exports (scale, mask, dtype casts). */
const BETWEEN: ReadonlySet<string> = new Set(['Mul', 'Div', 'Add', 'Sub', 'Where', 'Cast']);
/** How far back from a Softmax the MatMul is looked for. */
const MAX_HOPS = 6;

export interface AttentionUpcast {
  /** fp16 Softmaxes now computed in fp32 */
  readonly softmaxes: number;
  /** of those, how many have their Q·Kᵀ MatMul in fp32 too */
  readonly scores: number;
  /** Cast nodes inserted */
  readonly casts: number;
}

const castNode = (input: string, output: string, to: number): NodeProto => ({ op_type: 'Cast', name: `${output}/Cast`, input: [input], output: [output], attribute: [{ name: 'to', type: 2, i: to }] });

/** Rewrites `model` in place; a graph without fp16 Softmaxes is left as it was. */
export function upcastAttention(model: ModelProto): AttentionUpcast {
  const graph = model.graph;
  const types = inferElemTypes(graph);
  const index = indexGraph(graph);
  const isHalf = (name: string | undefined): name is string => !!name && types.get(name) === DataType.FLOAT16;
  const isConstant = (name: string) => index.initializer.has(name) || index.constant.has(name);

  const chain = new Set<NodeProto>();
  let softmaxes = 0;
  let scores = 0;
  for (const node of graph.node) {
    if (node.op_type !== 'Softmax' || !isHalf(node.input[0])) continue;
    softmaxes++;
    chain.add(node);
    let value = node.input[0];
    for (let hop = 0; hop < MAX_HOPS; hop++) {
      const producer = index.producer.get(value);
      if (!producer || chain.has(producer)) break;
      if (producer.op_type === 'MatMul') {
        chain.add(producer);
        scores++;
        break;
      }
      // a Cast out of fp16 or into another type ends the chain (its input is not the scores' fp16 value)
      if (!BETWEEN.has(producer.op_type) || !isHalf(producer.output[0])) break;
      const next = producer.input.find((i) => isHalf(i) && !isConstant(i));
      if (!next) break;
      chain.add(producer);
      value = next;
    }
  }
  if (chain.size === 0) return { softmaxes: 0, scores: 0, casts: 0 };

  const graphOutputs = new Set(graph.output.map((v) => v.name));
  const renamed = new Map<string, string>();
  for (const node of chain) for (const o of node.output) if (isHalf(o)) renamed.set(o, `${o}/fp32`);
  const castIn = new Map<string, string>();
  const castBack = new Set<string>();
  let casts = 0;
  const nodes: NodeProto[] = [];
  for (const node of graph.node) {
    if (!chain.has(node)) {
      nodes.push(node);
      continue;
    }
    node.input = node.input.map((name) => {
      const inside = renamed.get(name);
      if (inside) return inside;
      if (!isHalf(name)) return name;
      let cast = castIn.get(name);
      if (!cast) {
        cast = `${name}/as_fp32`;
        castIn.set(name, cast);
        nodes.push(castNode(name, cast, DataType.FLOAT));
        casts++;
      }
      return cast;
    });
    const outputs = node.output;
    node.output = outputs.map((o) => renamed.get(o) ?? o);
    if (node.op_type === 'Cast') {
      // a Cast inside the chain (fp16 → fp16) now produces fp32
      const to = node.attribute.find((a) => a.name === 'to');
      if (to) to.i = DataType.FLOAT;
    }
    nodes.push(node);
    // readers outside the chain (the product with V) get the fp16 value under its old name
    for (const o of outputs) {
      const inside = renamed.get(o);
      if (!inside) continue;
      const outsideReaders = (index.consumers.get(o) ?? []).some((c) => !chain.has(c)) || graphOutputs.has(o);
      if (outsideReaders) {
        nodes.push(castNode(inside, o, DataType.FLOAT16));
        castBack.add(o);
        casts++;
      }
    }
  }
  graph.node = nodes;
  // a renamed value with no fp16 copy left has no producer under its old name: its type record goes
  graph.value_info = graph.value_info.filter((v) => !renamed.has(v.name) || castBack.has(v.name));
  return { softmaxes, scores, casts };
}
