/** Tiny but real ONNX models for storage and loading tests: y = x + w ([batch, n] + [n]), with `n` float weights. */
import { setExternal } from '../../src/core/onnx/external.ts';
import { DataType, encodeModel, type ModelProto } from '../../src/core/onnx/proto.ts';

export function weightsOf(n: number, seed: number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37 + seed));
}

/** a [batch, n] input or output (rank 2: rank ≤ 1 inputs are taken for timesteps by the fp16 conversion) */
function vector(name: string, n: number) {
  return { name, type: { tensor_type: { elem_type: DataType.FLOAT, shape: { dim: [{ dim_param: 'batch' }, { dim_value: n }] } } } };
}

/** The model proto; `external` puts the weights in a file of that name (returned beside the graph). */
export function addModel(n: number, seed: number): ModelProto {
  const w = weightsOf(n, seed);
  return {
    ir_version: 8,
    opset_import: [{ domain: '', version: 14 }],
    graph: {
      name: 'add',
      node: [{ op_type: 'Add', name: 'add', input: ['x', 'w'], output: ['y'], attribute: [] }],
      initializer: [{ name: 'w', dims: [n], data_type: DataType.FLOAT, raw_data: new Uint8Array(w.buffer) }],
      input: [vector('x', n)],
      output: [vector('y', n)],
      value_info: [],
    },
  };
}

/** `y = x + w` as one `.onnx` file with its weights inside. */
export function tinyNetwork(n: number, seed = 1): Uint8Array {
  return encodeModel(addModel(n, seed));
}

/** The same with its weights in an external file `location` (at `offset`): [graph, data]. */
export function tinyExternalNetwork(n: number, seed: number, location: string, offset = 0): [Uint8Array, Uint8Array] {
  const model = addModel(n, seed);
  const raw = model.graph.initializer[0]!.raw_data!;
  const data = new Uint8Array(offset + raw.length);
  data.set(raw, offset);
  setExternal(model.graph.initializer[0]!, { location, offset, length: raw.length });
  return [encodeModel(model), data];
}
