/**
 * One hypernetwork module `x + Seq(x) · strength` as ONNX nodes (docs §4.1), built from the reader's layout:
 * MatMul (weight transposed to [in, out]) + Add per Linear, each activation by its ONNX formula,
 * LayerNormalization (eps 1e-5; decomposed below opset 17), dropout omitted (inference).
 * Weights are initializers keyed by (hypernetwork, width, K/V, layer), so every call site shares them.
 */
import { StudioError } from '../errors.ts';
import { isBatchAxis, unusableReason } from '../hypernetwork/activations.ts';
import type { HypernetworkModule, Layer } from '../hypernetwork/types.ts';
import { floatTensor, type Emitter } from './graph.ts';

export interface ModuleContext {
  emit: Emitter;
  opset: number;
  /** element type the MLP computes in (FLOAT or FLOAT16) */
  dtype: number;
  /** initializer key prefix, e.g. `hypernetwork_0.768.k` */
  key: string;
  /** node name prefix, unique per call site */
  scope: string;
  /** multiply out all-linear modules when that saves work (see `collapsibleLinears`) */
  collapseLinear?: boolean;
}

const SELU_ALPHA = 1.6732632423543772;
const SELU_GAMMA = 1.0507009873554805;
const RRELU_EVAL_SLOPE = (1 / 8 + 1 / 3) / 2; // RReLU in eval mode: mean of its default bounds

function transpose(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c]!;
  return out;
}

function activation(c: ModuleContext, x: string, layer: Extract<Layer, { type: 'activation' }>, at: string): string {
  const e = c.emit;
  const n = (op: string, inputs: string[], attrs = {}): string => e.node(op, inputs, `${at}/${op}`, attrs);
  const k = (v: number): string => e.scalar(v, c.dtype);
  const name = layer.name;
  if (isBatchAxis(name)) {
    // PyTorch's implicit dim for a 3-D [B, N, C] context is 0: normalise over the batch
    if (c.opset < 13) throw new StudioError('unsupported-op', `Activation "${name}" needs opset 13 or later (the model has ${c.opset}).`);
    if (name === 'logsoftmax') return n('LogSoftmax', [x], { axis: 0 });
    return n('Softmax', [name === 'softmin' ? n('Neg', [x]) : x], { axis: 0 });
  }
  switch (name) {
    case 'linear':
      return x;
    case 'relu':
      return n('Relu', [x]);
    case 'leakyrelu':
      return n('LeakyRelu', [x], { alpha: { float: 0.01 } });
    case 'rrelu':
      return n('LeakyRelu', [x], { alpha: { float: RRELU_EVAL_SLOPE } });
    case 'elu':
    case 'celu': // CELU with its default alpha 1 is ELU
      return n('Elu', [x], { alpha: { float: 1 } });
    case 'selu':
      return n('Selu', [x], { alpha: { float: SELU_ALPHA }, gamma: { float: SELU_GAMMA } });
    case 'swish': // A1111 maps "swish" to Hardswish
    case 'hardswish':
      if (c.opset >= 14) return n('HardSwish', [x]);
      return n('Mul', [x, n('HardSigmoid', [x], { alpha: { float: 1 / 6 }, beta: { float: 0.5 } })]);
    case 'hardsigmoid':
      return n('HardSigmoid', [x], { alpha: { float: 1 / 6 }, beta: { float: 0.5 } });
    case 'tanh':
      return n('Tanh', [x]);
    case 'sigmoid':
      return n('Sigmoid', [x]);
    case 'softsign':
      return n('Softsign', [x]);
    case 'softplus':
      return n('Softplus', [x]);
    case 'mish': // the Mish op needs opset 18
      return n('Mul', [x, n('Tanh', [n('Softplus', [x])])]);
    case 'silu':
      return n('Mul', [x, n('Sigmoid', [x])]);
    case 'gelu': // exact GELU as PyTorch computes it; the Gelu op needs opset 20
      return n('Mul', [n('Mul', [x, k(0.5)]), n('Add', [n('Erf', [n('Mul', [x, k(Math.SQRT1_2)])]), k(1)])]);
    case 'relu6':
      return n('Clip', [x, k(0), k(6)]);
    case 'hardtanh':
      return n('Clip', [x, k(-1), k(1)]);
    case 'hardshrink':
      return n('Shrink', [x], { lambd: { float: 0.5 }, bias: { float: 0 } });
    case 'softshrink':
      return n('Shrink', [x], { lambd: { float: 0.5 }, bias: { float: 0.5 } });
    case 'tanhshrink':
      return n('Sub', [x, n('Tanh', [x])]);
    case 'logsigmoid':
      return n('Neg', [n('Softplus', [n('Neg', [x])])]);
    case 'prelu': {
      const slope = e.initializer(`${c.key}.linear.${layer.index}.weight`, (nm) => floatTensor(nm, [1], layer.weight?.data ?? Float32Array.of(0.25), c.dtype));
      return n('PRelu', [x, slope]);
    }
    default: {
      const why = unusableReason(name);
      throw new StudioError('unsupported-activation', why ? `Activation "${name}" cannot be used: ${why}.` : `Activation "${name}" has no ONNX formula.`);
    }
  }
}

function layerNorm(c: ModuleContext, x: string, layer: Extract<Layer, { type: 'layernorm' }>, at: string): string {
  const e = c.emit;
  const w = e.initializer(`${c.key}.linear.${layer.index}.weight`, (nm) => floatTensor(nm, [layer.features], layer.weight.data, c.dtype));
  const b = e.initializer(`${c.key}.linear.${layer.index}.bias`, (nm) => floatTensor(nm, [layer.features], layer.bias.data, c.dtype));
  if (c.opset >= 17) return e.node('LayerNormalization', [x, w, b], `${at}/LayerNormalization`, { axis: -1, epsilon: { float: 1e-5 } });
  // biased variance over the last axis, as torch.nn.LayerNorm
  const n = (op: string, inputs: string[], attrs = {}): string => e.node(op, inputs, `${at}/${op}`, attrs);
  const d = n('Sub', [x, n('ReduceMean', [x], { axes: [-1], keepdims: 1 })]);
  const variance = n('ReduceMean', [n('Mul', [d, d])], { axes: [-1], keepdims: 1 });
  const normed = n('Div', [d, n('Sqrt', [n('Add', [variance, e.scalar(1e-5, c.dtype)])])]);
  return n('Add', [n('Mul', [normed, w]), b]);
}

type LinearLayer = Extract<Layer, { type: 'linear' }>;

/**
 * A module without non-linearity (A1111's default "linear" activation; dropout is the identity here) is one
 * affine map x·A1·A2 + (b1·A2 + b2). Multiplied out it costs in·out per token instead of Σ inᵢ·outᵢ: 4× less
 * for [1, 2, 1]. Returns the Linear layers when that pays, else null (non-linear, or a [1, 0.01, 1] bottleneck).
 */
export function collapsibleLinears(module: HypernetworkModule): LinearLayer[] | null {
  const linears: LinearLayer[] = [];
  for (const l of module.layers) {
    if (l.type === 'linear') linears.push(l);
    else if (l.type === 'layernorm' || (l.type === 'activation' && l.name !== 'linear')) return null;
  }
  if (linears.length < 2) return null;
  return linears[0]!.in * linears.at(-1)!.out < linears.reduce((a, l) => a + l.in * l.out, 0) ? linears : null;
}

/**
 * The product A1·A2·… and the folded bias as graph nodes over the module's own initializers, emitted once at
 * the top of the graph: onnxruntime's constant folding computes them at session creation with its optimised
 * MatMul (a 1280-wide SD1 module is 4 GFLOP: far too slow in JS; and the stored weights stay the file's).
 */
function affine(c: ModuleContext, linears: LinearLayer[]): { weight: string; bias: string } {
  const e = c.emit;
  return e.once(`${c.key}.affine`, () => {
    let w = '';
    let b = '';
    for (const l of linears) {
      const lw = e.initializer(`${c.key}.linear.${l.index}.weight`, (nm) => floatTensor(nm, [l.in, l.out], transpose(l.weight.data, l.out, l.in), c.dtype));
      const lb = e.initializer(`${c.key}.linear.${l.index}.bias`, (nm) => floatTensor(nm, [l.out], l.bias.data, c.dtype));
      const at = `/hypernetwork/fold/${c.key}/linear.${l.index}`;
      // (x·W + b)·V + d = x·(W·V) + (b·V + d)
      w = w ? e.node('MatMul', [w, lw], `${at}/MatMul_weight`) : lw;
      b = b ? e.node('Add', [e.node('MatMul', [b, lw], `${at}/MatMul_bias`), lb], `${at}/Add_bias`) : lb;
    }
    return { weight: w, bias: b };
  });
}

/** Emits `x + Seq(x) · strength` and returns the output tensor name. */
export function emitModule(c: ModuleContext, module: HypernetworkModule, x: string, strength: string): string {
  const e = c.emit;
  let h = x;
  const linears = c.collapseLinear === false ? null : collapsibleLinears(module);
  if (linears) {
    const { weight, bias } = affine(c, linears);
    h = e.node('Add', [e.node('MatMul', [h, weight], `${c.scope}/affine/MatMul`), bias], `${c.scope}/affine/Add`);
    return e.node('Add', [x, e.node('Mul', [h, strength], `${c.scope}/Mul`)], `${c.scope}/Add`);
  }
  for (const layer of module.layers) {
    const at = `${c.scope}/linear.${layer.index}`;
    if (layer.type === 'linear') {
      const w = e.initializer(`${c.key}.linear.${layer.index}.weight`, (nm) => floatTensor(nm, [layer.in, layer.out], transpose(layer.weight.data, layer.out, layer.in), c.dtype));
      const b = e.initializer(`${c.key}.linear.${layer.index}.bias`, (nm) => floatTensor(nm, [layer.out], layer.bias.data, c.dtype));
      h = e.node('Add', [e.node('MatMul', [h, w], `${at}/MatMul`), b], `${at}/Add`);
    } else if (layer.type === 'activation') {
      h = activation(c, h, layer, at);
    } else if (layer.type === 'layernorm') {
      h = layerNorm(c, h, layer, at);
    }
  }
  // two rounded operations, in PyTorch's order: x + (y * m)
  return e.node('Add', [x, e.node('Mul', [h, strength], `${c.scope}/Mul`)], `${c.scope}/Add`);
}
