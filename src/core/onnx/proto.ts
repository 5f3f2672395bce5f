/**
 * ONNX ModelProto read/write with protobufjs (light build + the committed JSON descriptor of onnx.proto 1.12,
 * see proto/NOTICE). Decoding never copies weights: protobufjs returns `bytes` fields (`raw_data`) as views
 * into the input buffer, which `external.ts` turns into external-data references instead of re-encoding them.
 */
import protobuf from 'protobufjs/light.js';
import descriptor from './proto/onnx.json' with { type: 'json' };
import { StudioError } from '../errors.ts';

/** int64 fields arrive as numbers or as `Long` objects (when the `long` package is present). */
export type Int64 = number | { toNumber(): number };

export interface StringEntry {
  key: string;
  value: string;
}

export interface TensorProto {
  name?: string;
  dims?: Int64[];
  data_type?: number;
  raw_data?: Uint8Array;
  float_data?: number[];
  int32_data?: number[];
  int64_data?: Int64[];
  double_data?: number[];
  external_data?: StringEntry[];
  data_location?: number;
  doc_string?: string;
}

export interface AttributeProto {
  name: string;
  type?: number;
  f?: number;
  i?: Int64;
  s?: Uint8Array;
  t?: TensorProto;
  floats?: number[];
  ints?: Int64[];
}

export interface NodeProto {
  input: string[];
  output: string[];
  name?: string;
  op_type: string;
  domain?: string;
  attribute: AttributeProto[];
  doc_string?: string;
}

export interface Dimension {
  dim_value?: Int64;
  dim_param?: string;
}

export interface TypeProto {
  tensor_type?: { elem_type?: number; shape?: { dim: Dimension[] } };
}

export interface ValueInfoProto {
  name: string;
  type?: TypeProto;
  doc_string?: string;
}

export interface GraphProto {
  name?: string;
  node: NodeProto[];
  initializer: TensorProto[];
  input: ValueInfoProto[];
  output: ValueInfoProto[];
  value_info: ValueInfoProto[];
}

export interface OperatorSetId {
  domain?: string;
  version: Int64;
}

export interface ModelProto {
  ir_version?: Int64;
  opset_import: OperatorSetId[];
  producer_name?: string;
  producer_version?: string;
  graph: GraphProto;
}

/** TensorProto.DataType values used here. */
export const DataType = { FLOAT: 1, INT64: 7, FLOAT16: 10 } as const;
/** AttributeProto.AttributeType values used here. */
export const AttrType = { FLOAT: 1, INT: 2, TENSOR: 4, INTS: 7 } as const;
/** TensorProto.DataLocation */
export const EXTERNAL = 1;

const root = protobuf.Root.fromJSON(descriptor as protobuf.INamespace);
const ModelType = root.lookupType('onnx.ModelProto');

export function int(v: Int64 | undefined): number {
  return v === undefined ? 0 : typeof v === 'number' ? v : v.toNumber();
}

/**
 * Bytes → plain ModelProto. `toObject` keeps `raw_data` as the decoder's view (no copy), turns int64 into
 * numbers and gives every repeated field its own array, so the graph can be edited in place.
 */
export function decodeModel(bytes: Uint8Array): ModelProto {
  let message: protobuf.Message;
  try {
    message = ModelType.decode(bytes);
  } catch (e) {
    throw new StudioError('graph-error', `Not an ONNX model: ${e instanceof Error ? e.message : String(e)}.`);
  }
  const model = ModelType.toObject(message, { longs: Number, arrays: true }) as ModelProto;
  if (!model.graph) throw new StudioError('graph-error', 'The ONNX file has no graph.');
  return model;
}

export function encodeModel(model: ModelProto): Uint8Array {
  return ModelType.encode(model as unknown as protobuf.Message).finish();
}
