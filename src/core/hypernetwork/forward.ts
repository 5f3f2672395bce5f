/**
 * Reference forward in float32 (docs §4): `f(x) = x + Seq(x) · m` per last-axis vector, and A1111's
 * application to attention contexts — module chosen by the context width, K and V chains kept apart,
 * hypernetworks applied in order. Used by tests and as the oracle for the in-graph version.
 *
 * Numerics: every layer's output is rounded to float32, as PyTorch stores it; dot products and LayerNorm
 * statistics accumulate in float64 (more accurate than PyTorch's fp32 sums; agreement ≈1e-6 relative).
 */
import { StudioError } from '../errors.ts';
import { elementwise, isBatchAxis } from './activations.ts';
import type { Hypernetwork, HypernetworkModule, Layer } from './types.ts';

const LAYER_NORM_EPS = 1e-5;

function linear(x: Float32Array, rows: number, layer: Extract<Layer, { type: 'linear' }>): Float32Array {
  const { in: n, out: m } = layer;
  const w = layer.weight.data;
  const b = layer.bias.data;
  const y = new Float32Array(rows * m);
  for (let r = 0; r < rows; r++) {
    const xr = r * n;
    for (let o = 0; o < m; o++) {
      const wo = o * n;
      let acc = 0;
      for (let i = 0; i < n; i++) acc += w[wo + i]! * x[xr + i]!;
      y[r * m + o] = acc + b[o]!;
    }
  }
  return y;
}

function layerNorm(x: Float32Array, rows: number, layer: Extract<Layer, { type: 'layernorm' }>): Float32Array {
  const f = layer.features;
  const w = layer.weight.data;
  const b = layer.bias.data;
  const y = new Float32Array(x.length);
  for (let r = 0; r < rows; r++) {
    let mean = 0;
    for (let i = 0; i < f; i++) mean += x[r * f + i]!;
    mean /= f;
    let variance = 0;
    for (let i = 0; i < f; i++) variance += (x[r * f + i]! - mean) ** 2;
    const inv = 1 / Math.sqrt(variance / f + LAYER_NORM_EPS);
    for (let i = 0; i < f; i++) y[r * f + i] = (x[r * f + i]! - mean) * inv * w[i]! + b[i]!;
  }
  return y;
}

/** softmax / softmin / logsoftmax / softmax2d over axis 0 of [B, N, C], PyTorch's implicit dim for 3-D. */
function batchAxis(name: string, x: Float32Array, batch: number): Float32Array {
  const plane = x.length / batch;
  const y = new Float32Array(x.length);
  const sign = name === 'softmin' ? -1 : 1;
  for (let j = 0; j < plane; j++) {
    let max = -Infinity;
    for (let b = 0; b < batch; b++) max = Math.max(max, sign * x[b * plane + j]!);
    let sum = 0;
    for (let b = 0; b < batch; b++) sum += Math.exp(sign * x[b * plane + j]! - max);
    for (let b = 0; b < batch; b++) {
      const z = sign * x[b * plane + j]! - max;
      y[b * plane + j] = name === 'logsoftmax' ? z - Math.log(sum) : Math.exp(z) / sum;
    }
  }
  return y;
}

function activation(x: Float32Array, batch: number, layer: Extract<Layer, { type: 'activation' }>): Float32Array {
  if (isBatchAxis(layer.name)) return batchAxis(layer.name, x, batch);
  const fn = elementwise(layer.name);
  if (!fn) throw new StudioError('unsupported-activation', `Activation "${layer.name}" has no formula.`);
  const slope = layer.weight?.data[0];
  const y = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) y[i] = fn(x[i]!, slope);
  return y;
}

/** `Seq(x)` for x of shape [batch, tokens, size]; dropout is the identity at inference. */
export function runSequential(module: HypernetworkModule, x: Float32Array, batch: number): Float32Array {
  const rows = x.length / module.size;
  let h = x;
  for (const layer of module.layers) {
    if (layer.type === 'linear') h = linear(h, rows, layer);
    else if (layer.type === 'layernorm') h = layerNorm(h, rows, layer);
    else if (layer.type === 'activation') h = activation(h, batch, layer);
  }
  return h;
}

/** `x + Seq(x) · m` for x of shape [batch, tokens, size] (row-major). */
export function forwardModule(module: HypernetworkModule, x: Float32Array, strength: number, batch = 1): Float32Array {
  if (x.length % (module.size * batch) !== 0) {
    throw new StudioError('layout-mismatch', `Input of ${x.length} values is not [${batch}, N, ${module.size}].`);
  }
  const y = runSequential(module, x, batch);
  const m = Math.fround(strength);
  const out = new Float32Array(x.length);
  // two float32 operations, as PyTorch evaluates `x + y * m`
  for (let i = 0; i < x.length; i++) out[i] = x[i]! + Math.fround(y[i]! * m);
  return out;
}

export interface AppliedHypernetwork {
  readonly hypernetwork: Hypernetwork;
  readonly strength: number;
}

/**
 * A1111's `apply_hypernetworks`: the context [batch, tokens, width] passes through each hypernetwork's K
 * module (for `to_k`) and V module (for `to_v`) in order; widths a hypernetwork lacks pass through.
 */
export function applyHypernetworks(stack: readonly AppliedHypernetwork[], context: Float32Array, width: number, batch = 1): { k: Float32Array; v: Float32Array } {
  let k = context;
  let v = context;
  for (const { hypernetwork, strength } of stack) {
    const pair = hypernetwork.modules.get(width);
    if (!pair) continue;
    k = forwardModule(pair[0], k, strength, batch);
    v = forwardModule(pair[1], v, strength, batch);
  }
  return { k, v };
}
