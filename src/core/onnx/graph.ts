/** Small helpers over a decoded GraphProto: lookups, node/initializer construction, unique names. */
import { StudioError } from '../errors.ts';
import { float32ToHalf } from './float16.ts';
import { AttrType, DataType, int, type AttributeProto, type GraphProto, type ModelProto, type NodeProto, type TensorProto } from './proto.ts';

export function defaultOpset(model: ModelProto): number {
  const entry = model.opset_import.find((o) => !o.domain || o.domain === 'ai.onnx');
  if (!entry) throw new StudioError('graph-error', 'The model declares no ONNX opset.');
  return int(entry.version);
}

export interface GraphIndex {
  producer: Map<string, NodeProto>;
  consumers: Map<string, NodeProto[]>;
  initializer: Map<string, TensorProto>;
  /** outputs of Constant nodes */
  constant: Map<string, TensorProto>;
  inputs: Set<string>;
}

export function indexGraph(graph: GraphProto): GraphIndex {
  const producer = new Map<string, NodeProto>();
  const consumers = new Map<string, NodeProto[]>();
  const constant = new Map<string, TensorProto>();
  for (const node of graph.node) {
    for (const o of node.output) producer.set(o, node);
    for (const i of node.input) {
      if (!i) continue;
      const list = consumers.get(i);
      if (list) list.push(node);
      else consumers.set(i, [node]);
    }
    const value = node.op_type === 'Constant' ? node.attribute.find((a) => a.name === 'value')?.t : undefined;
    if (value && node.output[0]) constant.set(node.output[0], value);
  }
  const initializer = new Map(graph.initializer.map((t) => [t.name ?? '', t]));
  return { producer, consumers, initializer, constant, inputs: new Set(graph.input.map((v) => v.name)) };
}

/** An initializer or Constant-node tensor behind `name`, if any. */
export function constantTensor(index: GraphIndex, name: string): TensorProto | undefined {
  return index.initializer.get(name) ?? index.constant.get(name);
}

export type Attr = number | number[] | { float: number } | { tensor: TensorProto };

function attribute(name: string, value: Attr): AttributeProto {
  if (Array.isArray(value)) return { name, type: AttrType.INTS, ints: value };
  if (typeof value === 'number') return { name, type: AttrType.INT, i: value };
  if ('float' in value) return { name, type: AttrType.FLOAT, f: value.float };
  return { name, type: AttrType.TENSOR, t: value.tensor };
}

export function floatTensor(name: string, dims: number[], data: Float32Array, dtype: number): TensorProto {
  if (dtype === DataType.FLOAT16) return { name, dims, data_type: dtype, raw_data: new Uint8Array(float32ToHalf(data).buffer) };
  return { name, dims, data_type: DataType.FLOAT, raw_data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice() };
}

export function int64Tensor(name: string, values: number[]): TensorProto {
  return { name, dims: [values.length], data_type: DataType.INT64, raw_data: new Uint8Array(BigInt64Array.from(values.map(BigInt)).buffer) };
}

/**
 * Collects new nodes and initializers with names that cannot collide with the model's: everything the
 * surgery adds lives under the `hypernetwork` prefix.
 */
export class Emitter {
  readonly nodes: NodeProto[] = [];
  readonly initializers: TensorProto[] = [];
  /** nodes over initializers only, for the top of the graph (see `once`) */
  readonly constantNodes: NodeProto[] = [];
  private readonly used: Set<string>;
  private readonly shared = new Map<string, string>();
  private readonly computed = new Map<string, unknown>();

  constructor(graph: GraphProto) {
    this.used = new Set([...graph.initializer.map((t) => t.name ?? ''), ...graph.input.map((v) => v.name), ...graph.node.flatMap((n) => n.output)]);
  }

  unique(base: string): string {
    let name = base;
    for (let k = 1; this.used.has(name); k++) name = `${base}_${k}`;
    this.used.add(name);
    return name;
  }

  /** One initializer per `key` (weights stored once, however many call sites use them). */
  initializer(key: string, make: (name: string) => TensorProto): string {
    const known = this.shared.get(key);
    if (known) return known;
    const name = this.unique(key);
    this.initializers.push(make(name));
    this.shared.set(key, name);
    return name;
  }

  /** Emits `make`'s nodes once per `key` into `constantNodes` (they must read initializers only). */
  once<T>(key: string, make: () => T): T {
    const known = this.computed.get(key);
    if (known) return known as T;
    const mark = this.nodes.length;
    const value = make();
    this.constantNodes.push(...this.nodes.splice(mark));
    this.computed.set(key, value);
    return value;
  }

  scalar(value: number, dtype: number): string {
    return this.initializer(`hypernetwork.const.${dtype === DataType.FLOAT16 ? 'f16' : 'f32'}.${value}`, (name) => floatTensor(name, [], Float32Array.of(value), dtype));
  }

  node(op: string, inputs: string[], name: string, attrs: Record<string, Attr> = {}): string {
    const output = this.unique(`${name}_output_0`);
    this.nodes.push({ op_type: op, input: inputs, output: [output], name: this.unique(name), attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)) });
    return output;
  }

  /** Takes the nodes emitted so far (to be placed before a given consumer). */
  drain(): NodeProto[] {
    return this.nodes.splice(0, this.nodes.length);
  }
}
