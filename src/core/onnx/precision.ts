/**
 * fp32 ↔ fp16 conversion of a graph whose weights are external (a skeleton from `scanModel`). The graph is
 * edited in place; large weights are not touched here but re-pointed at a converted-weights file
 * (`converted.ts`) that converts each tensor when it is read — at load for an fp16 model on an adapter without
 * shader-f16, or while the import streams it into storage.
 *
 * - `upcastModel` (fp16 → fp32): every float16 tensor, Constant, Cast target and graph input/output becomes
 *   float32. Nothing can overflow; the model computes what the fp16 weights say, in fp32.
 * - `halveModel` (fp32 → fp16): floats become float16 except in fp32 "islands", joined by Casts:
 *   - the sinusoidal timestep embedding (everything computed from a scalar/vector graph input until the first
 *     MatMul/Gemm/Conv): fp16 cannot hold sin(999·f) (its ulp at 999 is 0.5 rad);
 *   - operators listed in `keepFp32` (the VAE's normalisations by default: their variance overflows fp16);
 *   - the float inputs some operators require in fp32 whatever their data type (Resize's roi and scales).
 *   Graph inputs and outputs become float16 where the fp16 part reads or writes them, as in Optimum's fp16
 *   exports; finite fp32 constants beyond fp16's range are clamped to ±65504, not turned into infinities.
 */
import { StudioError } from '../errors.ts';
import { toHalfBits } from './float16.ts';
import { hasSubgraphs, inferElemTypes } from './float-types.ts';
import { externalRef, setExternal, type ExternalRef } from './external.ts';
import { indexGraph } from './graph.ts';
import { DataType, int, type AttributeProto, type GraphProto, type ModelProto, type NodeProto, type TensorProto } from './proto.ts';
import { decodeToFloat32 } from '../formats/dtype.ts';

type FloatType = typeof DataType.FLOAT | typeof DataType.FLOAT16;

/** The location converted weights are read from (never a file on disk: see `converted.ts`). */
export const CONVERTED_WEIGHTS = 'converted-weights.bin';

/** A large weight whose bytes are converted as they are read. */
export interface ConvertedTensor {
  readonly name: string;
  /** where the original bytes are */
  readonly source: ExternalRef;
  readonly from: FloatType;
  readonly to: FloatType;
  /** where the converted bytes are in CONVERTED_WEIGHTS */
  readonly offset: number;
  readonly length: number;
}

export interface PrecisionReport {
  readonly converted: ConvertedTensor[];
  /** bytes of the converted weights */
  readonly convertedBytes: number;
  /** Cast nodes inserted at fp16/fp32 boundaries */
  readonly castsInserted: number;
  /** nodes kept in fp32 by `halveModel` */
  readonly fp32Nodes: number;
}

export interface HalveOptions {
  /** operator types computed in fp32 (with Casts around them) */
  keepFp32?: readonly string[];
}

/** The VAE's GroupNorms (InstanceNormalization in torch exports) and LayerNorms: fp32 in `halveModel` for VAEs. */
export const VAE_FP32_OPS = ['InstanceNormalization', 'LayerNormalization', 'GroupNormalization'];

const HALF_MAX = 65504;
/** float inputs that stay float32 whatever the operator's data type (ONNX's separate type constraints) */
const FIXED_FP32_INPUTS: Readonly<Record<string, readonly number[]>> = { Resize: [1, 2], Upsample: [1] };
/** operators that accept any input type (no Cast is needed in front of them) */
const ANY_INPUT: ReadonlySet<string> = new Set(['Cast', 'Shape', 'Size', 'CastLike']);
/** where the timestep embedding ends */
const EMBEDDING_END: ReadonlySet<string> = new Set(['MatMul', 'Gemm', 'Conv']);
/** operators ONNX defines without a float16 type (Range: float, double and integers only) */
const NO_FP16: ReadonlySet<string> = new Set(['Range']);

function refuseSubgraphs(graph: GraphProto): void {
  if (hasSubgraphs(graph)) throw new StudioError('unsupported-model', 'This graph has control-flow sub-graphs (If/Loop/Scan); its precision cannot be converted here.');
}

/** Converts an embedded (small) float tensor's values in place. */
function convertEmbedded(t: TensorProto, to: FloatType): void {
  const from = t.data_type as FloatType;
  let values: Float32Array;
  if (t.raw_data) values = from === DataType.FLOAT16 ? decodeToFloat32(t.raw_data, 'float16', t.raw_data.length / 2) : new Float32Array(new Uint8Array(t.raw_data).buffer);
  else if (from === DataType.FLOAT) values = Float32Array.from(t.float_data ?? []);
  else values = decodeToFloat32(new Uint8Array(Uint16Array.from(t.int32_data ?? []).buffer), 'float16', t.int32_data?.length ?? 0);
  delete t.float_data;
  delete t.int32_data;
  t.data_type = to;
  if (to === DataType.FLOAT) t.raw_data = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  else t.raw_data = new Uint8Array(halfBits(values).buffer);
}

/** float32 → half bits, finite values clamped to fp16's range (an fp32 "-inf mask" constant stays usable). */
export function halfBits(values: Float32Array): Uint16Array {
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    out[i] = toHalfBits(Number.isFinite(v) ? Math.max(-HALF_MAX, Math.min(HALF_MAX, v)) : v);
  }
  return out;
}

/** Where converted tensors go: the virtual file's name and the next free offset in it. */
interface Cursor {
  readonly location: string;
  offset: number;
}

/** Re-points or converts one float tensor to `to`; external ones are queued for the converted-weights file. */
function convertTensor(t: TensorProto, to: FloatType, queue: ConvertedTensor[], at: Cursor): void {
  const from = t.data_type as FloatType;
  if (from === to) return;
  const ref = externalRef(t);
  if (!ref) return convertEmbedded(t, to);
  const count = (t.dims ?? []).reduce<number>((n, d) => n * int(d), 1);
  const length = count * (to === DataType.FLOAT ? 4 : 2);
  const offset = Math.ceil(at.offset / 64) * 64;
  queue.push({ name: t.name ?? '', source: { ...ref, length: ref.length >= 0 ? ref.length : count * (from === DataType.FLOAT ? 4 : 2) }, from, to, offset, length });
  at.offset = offset + length;
  t.data_type = to;
  setExternal(t, { location: at.location, offset, length });
}

function setElemType(graph: GraphProto, name: string, to: FloatType): void {
  for (const v of [...graph.input, ...graph.output, ...graph.value_info]) {
    if (v.name === name && (v.type?.tensor_type?.elem_type === DataType.FLOAT || v.type?.tensor_type?.elem_type === DataType.FLOAT16)) v.type!.tensor_type!.elem_type = to;
  }
}

function attributeTensors(node: NodeProto): TensorProto[] {
  return node.attribute.flatMap((a: AttributeProto & { tensors?: TensorProto[] }) => [...(a.t ? [a.t] : []), ...(a.tensors ?? [])]);
}

function report(converted: ConvertedTensor[], castsInserted: number, fp32Nodes: number): PrecisionReport {
  return { converted, convertedBytes: converted.reduce((n, c) => n + c.length, 0), castsInserted, fp32Nodes };
}

/** fp16 → fp32, in place; converted weights are read from `location`. */
export function upcastModel(model: ModelProto, location = CONVERTED_WEIGHTS): PrecisionReport {
  const graph = model.graph;
  refuseSubgraphs(graph);
  const queue: ConvertedTensor[] = [];
  const at: Cursor = { location, offset: 0 };
  for (const t of graph.initializer) if (t.data_type === DataType.FLOAT16) convertTensor(t, DataType.FLOAT, queue, at);
  for (const node of graph.node) {
    for (const t of attributeTensors(node)) if (t.data_type === DataType.FLOAT16) convertTensor(t, DataType.FLOAT, queue, at);
    for (const a of node.attribute) if ((a.name === 'to' || a.name === 'dtype') && int(a.i) === DataType.FLOAT16) a.i = DataType.FLOAT;
  }
  for (const v of [...graph.input, ...graph.output, ...graph.value_info]) {
    if (v.type?.tensor_type?.elem_type === DataType.FLOAT16) v.type.tensor_type.elem_type = DataType.FLOAT;
  }
  return report(queue, 0, 0);
}

/**
 * Nodes of the timestep embedding: reached from scalar/vector graph inputs before any MatMul/Gemm/Conv, plus
 * the constant sub-graphs feeding them (the frequencies exp(-ln(10000)·i/half), computed from a Range).
 */
function embeddingCone(graph: GraphProto): Set<NodeProto> {
  const index = indexGraph(graph);
  const initializers = new Set(graph.initializer.map((t) => t.name));
  const seeds = graph.input.filter((v) => !initializers.has(v.name) && (v.type?.tensor_type?.shape?.dim.length ?? 4) <= 1).map((v) => v.name);
  const cone = new Set<NodeProto>();
  const queue = [...seeds];
  while (queue.length) {
    for (const node of index.consumers.get(queue.pop()!) ?? []) {
      if (cone.has(node) || EMBEDDING_END.has(node.op_type)) continue;
      cone.add(node);
      queue.push(...node.output);
    }
  }
  // nodes that read no graph input at all (directly or not) compute constants
  const variable = new Set(graph.input.filter((v) => !initializers.has(v.name)).map((v) => v.name));
  for (const node of graph.node) if (node.input.some((i) => variable.has(i))) for (const o of node.output) variable.add(o);
  const back = [...cone];
  while (back.length) {
    for (const name of back.pop()!.input) {
      const producer = index.producer.get(name);
      if (producer && !cone.has(producer) && !producer.output.some((o) => variable.has(o))) {
        cone.add(producer);
        back.push(producer);
      }
    }
  }
  return cone;
}

/** fp32 → fp16 with fp32 islands, in place; converted weights are read from `location`. */
export function halveModel(model: ModelProto, options: HalveOptions = {}, location = CONVERTED_WEIGHTS): PrecisionReport {
  const graph = model.graph;
  refuseSubgraphs(graph);
  const types = inferElemTypes(graph);
  const isFloat32 = (name: string) => types.get(name) === DataType.FLOAT;
  const keep = new Set(options.keepFp32 ?? []);
  const island = embeddingCone(graph);
  for (const node of graph.node) if (keep.has(node.op_type) || NO_FP16.has(node.op_type)) island.add(node);
  const region = (node: NodeProto): FloatType => (island.has(node) ? DataType.FLOAT : DataType.FLOAT16);
  const required = (node: NodeProto, i: number): FloatType | null => {
    if (ANY_INPUT.has(node.op_type)) return null;
    return FIXED_FP32_INPUTS[node.op_type]?.includes(i) ? DataType.FLOAT : region(node);
  };

  // sources (graph inputs, initializers, Constants, ConstantOfShape) take the type their readers need
  const index = indexGraph(graph);
  const wants = (name: string): FloatType => {
    const needs = new Set<FloatType>();
    for (const node of index.consumers.get(name) ?? []) node.input.forEach((n, i) => n === name && needs.add(required(node, i) ?? DataType.FLOAT16));
    for (const o of graph.output) if (o.name === name) needs.add(DataType.FLOAT16);
    return needs.size === 1 && needs.has(DataType.FLOAT16) ? DataType.FLOAT16 : DataType.FLOAT;
  };
  const produced = new Map<string, FloatType>();
  const queue: ConvertedTensor[] = [];
  const at: Cursor = { location, offset: 0 };
  for (const v of graph.input) if (isFloat32(v.name)) produced.set(v.name, wants(v.name));
  for (const t of graph.initializer) {
    if (t.data_type !== DataType.FLOAT || !t.name) continue;
    const to = wants(t.name);
    convertTensor(t, to, queue, at);
    produced.set(t.name, to);
  }
  for (const node of graph.node) {
    const out = node.output[0] ?? '';
    const source = node.op_type === 'Constant' || node.op_type === 'ConstantOfShape';
    const to = source ? wants(out) : region(node);
    if (source) {
      for (const t of attributeTensors(node)) if (t.data_type === DataType.FLOAT) convertTensor(t, to, queue, at);
      if (node.op_type === 'ConstantOfShape' && to === DataType.FLOAT16 && !node.attribute.some((a) => a.name === 'value')) {
        node.attribute.push({ name: 'value', type: 4, t: { dims: [1], data_type: DataType.FLOAT16, raw_data: new Uint8Array(2) } });
      }
      if (node.op_type === 'Constant' && (node.attribute[0]?.name === 'value_float' || node.attribute[0]?.name === 'value_floats') && to === DataType.FLOAT16) {
        const a = node.attribute[0]!;
        const values = Float32Array.from(a.name === 'value_float' ? [a.f ?? 0] : (a.floats ?? []));
        node.attribute = [{ name: 'value', type: 4, t: { dims: a.name === 'value_float' ? [] : [values.length], data_type: DataType.FLOAT16, raw_data: new Uint8Array(halfBits(values).buffer) } }];
      }
    }
    if (node.op_type === 'Cast') {
      const a = node.attribute.find((x) => x.name === 'to');
      if (a && int(a.i) === DataType.FLOAT) a.i = to;
    }
    for (const o of node.output) if (isFloat32(o)) produced.set(o, to);
  }

  // Casts where a reader needs another type than its producer gives
  let casts = 0;
  const castOf = new Map<string, string>();
  const nodes: NodeProto[] = [];
  for (const node of graph.node) {
    node.input.forEach((name, i) => {
      const need = name && isFloat32(name) ? required(node, i) : null;
      const have = produced.get(name);
      if (need === null || have === undefined || need === have) return;
      const key = `${name}\u0000${need}`;
      let cast = castOf.get(key);
      if (!cast) {
        cast = `${name}/as_${need === DataType.FLOAT16 ? 'fp16' : 'fp32'}`;
        castOf.set(key, cast);
        nodes.push({ op_type: 'Cast', name: `${cast}/Cast`, input: [name], output: [cast], attribute: [{ name: 'to', type: 2, i: need }] });
        casts++;
      }
      node.input[i] = cast;
    });
    nodes.push(node);
  }
  graph.node = nodes;
  for (const [name, to] of produced) setElemType(graph, name, to);
  return report(queue, casts, island.size);
}
