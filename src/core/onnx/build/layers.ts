/**
 * The layers the three Stable Diffusion networks are made of, as ONNX nodes the way torch exports them:
 * Linear as MatMul over an [in, out] weight plus Add, GroupNorm as Reshape → InstanceNormalization → Reshape →
 * Mul/Add (onnxruntime-web's WebGPU has no GroupNorm), LayerNormalization (opset 17), SiLU as x·sigmoid(x), GELU
 * from Erf, and attention as plain MatMul/Softmax (no fused op, so the hypernetwork surgery finds K and V).
 * `scope` is the node-name prefix (`/down_blocks.0/resnets.0/conv1`); `key` the checkpoint key prefix.
 */
import type { GraphBuilder } from './builder.ts';

/** `/a.0/b` → `a.0.b`: initializers are named like the diffusers parameters they hold */
function param(scope: string): string {
  return scope.slice(1).replaceAll('/', '.');
}

export function linear(b: GraphBuilder, scope: string, key: string, x: string, inDim: number, outDim: number, bias = true): string {
  const w = b.weight(`${param(scope)}.weight`, `${key}.weight`, [inDim, outDim], [[outDim, inDim]], { transpose: true });
  const y = b.node('MatMul', [x, w], `${scope}/MatMul`);
  return bias ? b.node('Add', [b.weight(`${param(scope)}.bias`, `${key}.bias`, [outDim], [[outDim]]), y], `${scope}/Add`) : y;
}

/** A Linear whose weight and bias are rows [from, to) of packed tensors (OpenCLIP's in_proj_weight/in_proj_bias). */
export function packedLinear(b: GraphBuilder, scope: string, weightKey: string, biasKey: string, x: string, dim: number, part: number, parts: number): string {
  const rows = [part * dim, (part + 1) * dim] as const;
  const w = b.weight(`${param(scope)}.weight`, weightKey, [dim, dim], [[parts * dim, dim]], { transpose: true, rows });
  const y = b.node('MatMul', [x, w], `${scope}/MatMul`);
  return b.node('Add', [b.weight(`${param(scope)}.bias`, biasKey, [dim], [[parts * dim]], { rows }), y], `${scope}/Add`);
}

export interface ConvOptions {
  stride?: number;
  pad?: number;
  /** also accept an [out, in] weight for a 1×1 convolution (VAE attention saved from Linear layers) */
  acceptLinear?: boolean;
}

export function conv(b: GraphBuilder, scope: string, key: string, x: string, cin: number, cout: number, k: number, opts: ConvOptions = {}): string {
  const shape = [cout, cin, k, k];
  const shapes = opts.acceptLinear && k === 1 ? [shape, [cout, cin]] : [shape];
  const w = b.weight(`${param(scope)}.weight`, `${key}.weight`, shape, shapes);
  const bias = b.weight(`${param(scope)}.bias`, `${key}.bias`, [cout], [[cout]]);
  const pad = opts.pad ?? (k - 1) / 2;
  return b.node('Conv', [x, w, bias], `${scope}/Conv`, { dilations: [1, 1], group: 1, kernel_shape: [k, k], pads: [pad, pad, pad, pad], strides: [opts.stride ?? 1, opts.stride ?? 1] });
}

export function groupNorm(b: GraphBuilder, scope: string, key: string, x: string, channels: number, groups: number, eps: number): string {
  const grouped = b.node('Reshape', [x, b.ints([0, groups, -1])], `${scope}/Reshape`);
  const ones = b.floats(`const_ones_${groups}`, [groups], new Float32Array(groups).fill(1));
  const zeros = b.floats(`const_zeros_${groups}`, [groups], new Float32Array(groups));
  const normed = b.node('InstanceNormalization', [grouped, ones, zeros], `${scope}/InstanceNormalization`, { epsilon: { float: eps } });
  const back = b.node('Reshape', [normed, b.node('Shape', [x], `${scope}/Shape`)], `${scope}/Reshape`);
  const gamma = b.weight(`${param(scope)}.weight`, `${key}.weight`, [channels, 1, 1], [[channels]]);
  const beta = b.weight(`${param(scope)}.bias`, `${key}.bias`, [channels, 1, 1], [[channels]]);
  return b.node('Add', [b.node('Mul', [back, gamma], `${scope}/Mul`), beta], `${scope}/Add`);
}

export function layerNorm(b: GraphBuilder, scope: string, key: string, x: string, dim: number, eps = 1e-5): string {
  const w = b.weight(`${param(scope)}.weight`, `${key}.weight`, [dim], [[dim]]);
  const bias = b.weight(`${param(scope)}.bias`, `${key}.bias`, [dim], [[dim]]);
  return b.node('LayerNormalization', [x, w, bias], `${scope}/LayerNormalization`, { axis: -1, epsilon: { float: eps } });
}

export function silu(b: GraphBuilder, scope: string, x: string): string {
  return b.node('Mul', [x, b.node('Sigmoid', [x], `${scope}/Sigmoid`)], `${scope}/Mul`);
}

/** exact GELU: x · ½(1 + erf(x/√2)) */
export function gelu(b: GraphBuilder, scope: string, x: string): string {
  const erf = b.node('Erf', [b.node('Div', [x, b.scalar(Math.SQRT2)], `${scope}/Div`)], `${scope}/Erf`);
  const half = b.node('Mul', [x, b.node('Add', [erf, b.scalar(1)], `${scope}/Add`)], `${scope}/Mul`);
  return b.node('Mul', [half, b.scalar(0.5)], `${scope}/Mul`);
}

/** CLIP's quick_gelu: x · sigmoid(1.702 x) */
export function quickGelu(b: GraphBuilder, scope: string, x: string): string {
  return b.node('Mul', [x, b.node('Sigmoid', [b.node('Mul', [x, b.scalar(1.702)], `${scope}/Mul`)], `${scope}/Sigmoid`)], `${scope}/Mul`);
}

/** [B, N, H·D] → [B, H, N, D] (or [B, H, D, N] for keys: `keys`) */
function splitHeads(b: GraphBuilder, scope: string, x: string, heads: number, headDim: number, keys: boolean): string {
  const r = b.node('Reshape', [x, b.ints([0, -1, heads, headDim])], `${scope}/Reshape`);
  return b.node('Transpose', [r], `${scope}/Transpose`, { perm: keys ? [0, 2, 3, 1] : [0, 2, 1, 3] });
}

/**
 * softmax(q·kᵀ·scale + mask)·v over projected q [B, N, H·D] and k, v [B, M, H·D]; back to [B, N, H·D].
 * `mask` (added to the scores) is CLIP's causal mask.
 */
export function attentionCore(b: GraphBuilder, scope: string, q: string, k: string, v: string, heads: number, headDim: number, mask?: string): string {
  const qh = splitHeads(b, scope, q, heads, headDim, false);
  const kh = splitHeads(b, scope, k, heads, headDim, true);
  const vh = splitHeads(b, scope, v, heads, headDim, false);
  let scores = b.node('Mul', [b.node('MatMul', [qh, kh], `${scope}/MatMul`), b.scalar(headDim ** -0.5)], `${scope}/Mul`);
  if (mask) scores = b.node('Add', [scores, mask], `${scope}/Add`);
  const probs = b.node('Softmax', [scores], `${scope}/Softmax`, { axis: -1 });
  const out = b.node('Transpose', [b.node('MatMul', [probs, vh], `${scope}/MatMul`)], `${scope}/Transpose`, { perm: [0, 2, 1, 3] });
  return b.node('Reshape', [out, b.ints([0, -1, heads * headDim])], `${scope}/Reshape`);
}

/** nearest-neighbour ×2 as torch's F.interpolate exports it */
export function upsample2x(b: GraphBuilder, scope: string, x: string): string {
  const scales = b.floats('const_scales_1_1_2_2', [4], Float32Array.of(1, 1, 2, 2));
  return b.node('Resize', [x, '', scales], `${scope}/Resize`, {}, { coordinate_transformation_mode: 'asymmetric', mode: 'nearest', nearest_mode: 'floor' });
}
