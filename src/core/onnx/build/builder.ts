/**
 * Builds an ONNX graph node by node, with torch-exporter-style names (`/down_blocks.0/resnets.0/conv1/Conv`,
 * output `…/Conv_output_0`) and weights that are external-data references into one virtual file: each weight
 * names the checkpoint tensor it comes from and how it is laid out for ONNX (a Linear's [out, in] transposed
 * to the [in, out] a MatMul takes; rows of a packed projection; the same bytes under other dims). Shapes are
 * checked against the architecture as weights are added, so a checkpoint with a wrong or mismatched tensor
 * fails while the graph is built, naming the key, before anything is written.
 */
import type { CheckpointTensor } from '../../checkpoint/types.ts';
import { StudioError } from '../../errors.ts';
import { setExternal } from '../external.ts';
import { Emitter, int64Tensor, type Attr } from '../graph.ts';
import { DataType, type ModelProto, type TensorProto, type ValueInfoProto } from '../proto.ts';
import type { VirtualTensor } from '../virtual-weights.ts';

export const OPSET = 17;

/** How a checkpoint tensor becomes an ONNX initializer. */
export interface WeightLayout {
  /** checkpoint key, for messages */
  readonly key: string;
  readonly tensor: CheckpointTensor;
  /** rows [start, end) of the first dimension only (OpenCLIP's packed q/k/v projection) */
  readonly rows?: readonly [number, number];
  /** a 2-D [out, in] matrix stored as [in, out] */
  readonly transpose: boolean;
}

/** One fp32 weight in the virtual file. */
export interface PlannedWeight extends VirtualTensor {
  readonly name: string;
  readonly dims: readonly number[];
  readonly layout: WeightLayout;
}

export type Lookup = (key: string) => CheckpointTensor | undefined;

/** float32 values in the tensor's ONNX layout */
export function layoutValues(values: Float32Array, w: Pick<PlannedWeight, 'layout' | 'dims'>): Float32Array {
  const { rows, transpose, tensor } = w.layout;
  let v = values;
  if (rows) {
    const rowSize = tensor.shape.slice(1).reduce((a, b) => a * b, 1);
    v = v.subarray(rows[0] * rowSize, rows[1] * rowSize);
  }
  if (!transpose) return v;
  const [cols, rowsOut] = w.dims as [number, number]; // [in, out]
  const out = new Float32Array(v.length);
  for (let r = 0; r < rowsOut; r++) for (let c = 0; c < cols; c++) out[c * rowsOut + r] = v[r * cols + c]!;
  return out;
}

const ALIGN = 64;

function valueInfo(name: string, elemType: number, dims: (number | string)[]): ValueInfoProto {
  return { name, type: { tensor_type: { elem_type: elemType, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dim_value: d } : { dim_param: d })) } } } };
}

export class GraphBuilder {
  private readonly emitter = new Emitter({ node: [], initializer: [], input: [], output: [], value_info: [] });
  private readonly inputs: ValueInfoProto[] = [];
  private readonly outputs: ValueInfoProto[] = [];
  readonly weights: PlannedWeight[] = [];
  private size = 0;

  constructor(
    /** the location every weight's external data names */
    readonly location: string,
    private readonly lookup: Lookup,
    /** the file, for messages */
    private readonly file: string,
  ) {}

  input(name: string, elemType: number, dims: (number | string)[]): string {
    this.inputs.push(valueInfo(name, elemType, dims));
    return name;
  }

  /** Names the graph output `name` (an Identity of `value`, as the exporter does for renamed outputs). */
  output(name: string, value: string, elemType: number, dims: (number | string)[]): void {
    this.emitter.nodes.push({ op_type: 'Identity', name: `${name}/Identity`, input: [value], output: [name], attribute: [] });
    this.outputs.push(valueInfo(name, elemType, dims));
  }

  /** `strings`: string-valued attributes (Resize's modes), which the surgery's emitter has no form for */
  node(op: string, inputs: string[], name: string, attrs: Record<string, Attr> = {}, strings: Record<string, string> = {}): string {
    const out = this.emitter.node(op, inputs, name, attrs);
    const made = this.emitter.nodes.at(-1)!;
    for (const [k, v] of Object.entries(strings)) made.attribute.push({ name: k, type: 3, s: new TextEncoder().encode(v) });
    return out;
  }

  /** int64 constant (shapes, axes), shared by value */
  ints(values: readonly number[]): string {
    return this.emitter.initializer(`const_i64_${values.join('_')}`, (name) => int64Tensor(name, [...values]));
  }

  /** float32 constant, shared by key */
  floats(key: string, dims: number[], data: Float32Array): string {
    return this.emitter.initializer(key, (name) => ({ name, dims, data_type: DataType.FLOAT, raw_data: new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength)) }));
  }

  scalar(value: number): string {
    return this.floats(`const_f32_${value}`, [], Float32Array.of(value));
  }

  /** The tensor `key`, which must exist with one of the `shapes` (LDM's layout). */
  tensor(key: string, ...shapes: (readonly number[])[]): CheckpointTensor {
    const t = this.lookup(key);
    if (!t) throw new StudioError('bad-checkpoint', `${this.file} has no tensor "${key}", which the architecture needs (wrong model type, or a damaged file).`, { file: this.file, key });
    if (!shapes.some((s) => s.length === t.shape.length && s.every((d, i) => d === t.shape[i]))) {
      throw new StudioError('bad-checkpoint', `${this.file}: tensor "${key}" has shape [${t.shape.join(', ')}] but the architecture needs [${shapes[0]!.join(', ')}] (mixed shapes: a merge of different models, or the wrong .yaml?).`, {
        file: this.file,
        key,
        shape: [...t.shape],
        expected: [...shapes[0]!],
      });
    }
    return t;
  }

  /**
   * A weight initializer named `name` with ONNX dims `dims`, from checkpoint `key` whose shape must be one of
   * `shapes`. `transpose`: a Linear [out, in] stored as [in, out]; `rows`: part of the first dimension.
   */
  weight(name: string, key: string, dims: number[], shapes: (readonly number[])[], opts: { transpose?: boolean; rows?: readonly [number, number] } = {}): string {
    const tensor = this.tensor(key, ...shapes);
    const length = dims.reduce((a, b) => a * b, 1) * 4;
    const offset = Math.ceil(this.size / ALIGN) * ALIGN;
    this.size = offset + length;
    this.weights.push({ name, dims, offset, length, layout: { key, tensor, transpose: opts.transpose ?? false, ...(opts.rows ? { rows: opts.rows } : {}) } });
    return this.emitter.initializer(name, (unique) => {
      const t: TensorProto = { name: unique, dims, data_type: DataType.FLOAT };
      setExternal(t, { location: this.location, offset, length });
      return t;
    });
  }

  model(producer: string): ModelProto {
    return {
      ir_version: 8,
      opset_import: [{ domain: '', version: OPSET }],
      producer_name: producer,
      graph: { name: 'main_graph', node: this.emitter.nodes, initializer: this.emitter.initializers, input: this.inputs, output: this.outputs, value_info: [] },
    };
  }
}
