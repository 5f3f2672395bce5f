/**
 * Optimum's older VAE encoder export returns `latent_dist.sample()`: mean + std · randn, with the random draw
 * baked into the graph as RandomNormalLike (or RandomNormal with a fixed shape). onnxruntime seeds it from the
 * clock, so the same image would encode differently every run. Each random op is replaced here by zeros of its
 * shape, which leaves exactly the distribution's mean (mean + std · 0): deterministic, and what newer exports'
 * `latent_parameters` give as their first half. Spec: docs/img2img-hires.md §8.
 */
import type { AttributeProto, ModelProto, NodeProto } from './proto.ts';
import { AttrType, DataType, int } from './proto.ts';

const RANDOM_OPS = new Set(['RandomNormalLike', 'RandomNormal', 'RandomUniformLike', 'RandomUniform']);

function zeroValue(dtype: number): AttributeProto {
  // a one-element tensor of the op's dtype (float unless the op says otherwise), holding 0
  const bytes = dtype === DataType.FLOAT16 ? 2 : dtype === 11 ? 8 : 4;
  return { name: 'value', type: AttrType.TENSOR, t: { dims: [1], data_type: dtype, raw_data: new Uint8Array(bytes) } };
}

/** Replaces every random op of the graph by zeros of its shape; returns how many were replaced. */
export function withoutRandomSampling(model: ModelProto): number {
  const nodes: NodeProto[] = [];
  let replaced = 0;
  for (const node of model.graph.node) {
    if (!RANDOM_OPS.has(node.op_type) || (node.domain ?? '') !== '') {
      nodes.push(node);
      continue;
    }
    replaced++;
    const out = node.output[0] ?? '';
    const dtypeAttr = node.attribute.find((a) => a.name === 'dtype');
    const dtype = dtypeAttr ? int(dtypeAttr.i) : DataType.FLOAT;
    if (node.op_type.endsWith('Like')) {
      // zeros shaped (and, without a dtype attribute, typed) like the input: x - x keeps its type; std is finite
      if (!dtypeAttr) {
        nodes.push({ op_type: 'Sub', input: [node.input[0] ?? '', node.input[0] ?? ''], output: [out], attribute: [], name: `${node.name ?? out}_zeros` });
        continue;
      }
      const shape = `${out}__shape`;
      nodes.push({ op_type: 'Shape', input: [node.input[0] ?? ''], output: [shape], attribute: [], name: `${node.name ?? out}_shape` });
      nodes.push({ op_type: 'ConstantOfShape', input: [shape], output: [out], attribute: [zeroValue(dtype)], name: `${node.name ?? out}_zeros` });
      continue;
    }
    const dims = (node.attribute.find((a) => a.name === 'shape')?.ints ?? []).map(int);
    const shape = `${out}__shape`;
    const data = new BigInt64Array(dims.map((d) => BigInt(d)));
    nodes.push({ op_type: 'Constant', input: [], output: [shape], attribute: [{ name: 'value', type: AttrType.TENSOR, t: { dims: [dims.length], data_type: DataType.INT64, raw_data: new Uint8Array(data.buffer) } }], name: `${node.name ?? out}_shape` });
    nodes.push({ op_type: 'ConstantOfShape', input: [shape], output: [out], attribute: [zeroValue(dtype)], name: `${node.name ?? out}_zeros` });
  }
  model.graph.node = nodes;
  return replaced;
}
