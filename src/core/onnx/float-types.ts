/**
 * Element types of a graph's tensors, inferred forward from what is known (graph inputs, initializers,
 * Constants, Casts) by each operator's typing rule. Precision conversion needs to know which tensors carry
 * floats; a full ONNX type/shape inference is not needed for that, only these rules: most operators' outputs
 * take the type of their first input, and the exceptions are listed below.
 */
import { DataType, int, type GraphProto, type NodeProto } from './proto.ts';

const BOOL = 9;

/** Operators whose outputs have a fixed type whatever their inputs. */
const FIXED_OUTPUT: Readonly<Record<string, number>> = {
  Shape: DataType.INT64,
  Size: DataType.INT64,
  NonZero: DataType.INT64,
  ArgMax: DataType.INT64,
  ArgMin: DataType.INT64,
  Equal: BOOL,
  Less: BOOL,
  Greater: BOOL,
  LessOrEqual: BOOL,
  GreaterOrEqual: BOOL,
  And: BOOL,
  Or: BOOL,
  Xor: BOOL,
  Not: BOOL,
  IsNaN: BOOL,
  IsInf: BOOL,
};

function attr(node: NodeProto, name: string) {
  return node.attribute.find((a) => a.name === name);
}

/** The output types of `node` given its input types (undefined where unknown). */
function outputTypes(node: NodeProto, typeOf: (name: string) => number | undefined): (number | undefined)[] {
  const first = node.input[0] ? typeOf(node.input[0]) : undefined;
  const all = (t: number | undefined) => node.output.map(() => t);
  const fixed = FIXED_OUTPUT[node.op_type];
  if (fixed !== undefined && (node.domain ?? '') === '') return all(fixed);
  switch (node.op_type) {
    case 'Cast':
      return all(int(attr(node, 'to')?.i));
    case 'CastLike':
      return all(node.input[1] ? typeOf(node.input[1]) : undefined);
    case 'Constant': {
      const a = node.attribute[0];
      if (!a) return all(undefined);
      if (a.t) return all(a.t.data_type);
      if (a.name === 'value_float' || a.name === 'value_floats') return all(DataType.FLOAT);
      if (a.name === 'value_int' || a.name === 'value_ints') return all(DataType.INT64);
      return all(undefined);
    }
    case 'ConstantOfShape':
      return all(attr(node, 'value')?.t?.data_type ?? DataType.FLOAT);
    case 'EyeLike':
    case 'RandomNormalLike':
    case 'RandomUniformLike': {
      const d = attr(node, 'dtype');
      return all(d ? int(d.i) : first);
    }
    case 'RandomNormal':
    case 'RandomUniform': {
      const d = attr(node, 'dtype');
      return all(d ? int(d.i) : DataType.FLOAT);
    }
    case 'Where':
      return all(node.input[1] ? typeOf(node.input[1]) : undefined);
    case 'TopK':
      return [first, DataType.INT64];
    case 'MaxPool':
      return [first, DataType.INT64];
    case 'Dropout':
      return [first, BOOL];
    default:
      return all(first);
  }
}

/** Every tensor's element type where it can be known, by name. */
export function inferElemTypes(graph: GraphProto): Map<string, number> {
  const types = new Map<string, number>();
  for (const v of [...graph.input, ...graph.value_info, ...graph.output]) {
    const t = v.type?.tensor_type?.elem_type;
    if (t) types.set(v.name, t);
  }
  for (const t of graph.initializer) if (t.name && t.data_type) types.set(t.name, t.data_type);
  for (const node of graph.node) {
    const out = outputTypes(node, (name) => types.get(name));
    node.output.forEach((name, i) => {
      const t = out[i];
      if (name && t !== undefined && !types.has(name)) types.set(name, t);
    });
  }
  return types;
}

/** True when a node carries sub-graphs (If/Loop/Scan bodies), which the conversions do not descend into. */
export function hasSubgraphs(graph: GraphProto): boolean {
  return graph.node.some((n) => n.attribute.some((a) => a.type === 5 || a.type === 10 || (a as { g?: unknown }).g !== undefined));
}

