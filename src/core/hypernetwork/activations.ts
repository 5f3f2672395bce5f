/**
 * A1111's activation table (docs §3.4): every lower-cased class of `torch.nn.modules.activation`.
 * Element-wise ones have a formula here (PyTorch defaults); the softmax family normalises over the batch
 * axis, as PyTorch's implicit `dim` does on A1111's 3-D [B, N, C] context; the rest cannot be built.
 */

export type ElementwiseFn = (x: number, slope?: number) => number;

const SELU_SCALE = 1.0507009873554805;
const SELU_ALPHA = 1.6732632423543772;
/** RReLU in eval mode uses the mean of its default bounds 1/8 and 1/3. */
const RRELU_EVAL_SLOPE = (1 / 8 + 1 / 3) / 2;

/** erf to ~1e-15: Taylor series near 0, continued fraction for erfc in the tails. */
export function erf(x: number): number {
  const ax = Math.abs(x);
  if (ax < 3) {
    let term = x;
    let sum = x;
    const x2 = x * x;
    for (let n = 1; n < 200; n++) {
      term *= -x2 / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    return (2 / Math.sqrt(Math.PI)) * sum;
  }
  // erfc(x) = exp(-x²)/√π · 1/(x + 1/2/(x + 1/(x + 3/2/(x + …)))) evaluated bottom-up
  let f = 0;
  for (let n = 60; n >= 1; n--) f = (n / 2) / (ax + f);
  const erfc = Math.exp(-ax * ax) / Math.sqrt(Math.PI) / (ax + f);
  return x > 0 ? 1 - erfc : erfc - 1;
}

const softplus = (x: number): number => (x > 20 ? x : Math.log1p(Math.exp(x)));
const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));
const clamp = (x: number, lo: number, hi: number): number => Math.min(Math.max(x, lo), hi);

/** Element-wise activations by file name; `slope` is PReLU's learned weight. */
export const ELEMENTWISE: Readonly<Record<string, ElementwiseFn>> = {
  relu: (x) => Math.max(0, x),
  leakyrelu: (x) => (x > 0 ? x : 0.01 * x),
  elu: (x) => (x > 0 ? x : Math.expm1(x)),
  swish: (x) => (x * clamp(x + 3, 0, 6)) / 6, // A1111 maps "swish" to Hardswish
  hardswish: (x) => (x * clamp(x + 3, 0, 6)) / 6,
  tanh: Math.tanh,
  sigmoid,
  softsign: (x) => x / (1 + Math.abs(x)),
  mish: (x) => x * Math.tanh(softplus(x)),
  silu: (x) => x * sigmoid(x),
  gelu: (x) => 0.5 * x * (1 + erf(x / Math.SQRT2)),
  celu: (x) => (x > 0 ? x : Math.expm1(x)),
  selu: (x) => SELU_SCALE * (x > 0 ? x : SELU_ALPHA * Math.expm1(x)),
  relu6: (x) => clamp(x, 0, 6),
  hardtanh: (x) => clamp(x, -1, 1),
  hardsigmoid: (x) => clamp(x / 6 + 0.5, 0, 1),
  hardshrink: (x) => (Math.abs(x) > 0.5 ? x : 0),
  softshrink: (x) => (x > 0.5 ? x - 0.5 : x < -0.5 ? x + 0.5 : 0),
  tanhshrink: (x) => x - Math.tanh(x),
  logsigmoid: (x) => -softplus(-x),
  softplus,
  rrelu: (x) => (x >= 0 ? x : RRELU_EVAL_SLOPE * x),
  prelu: (x, slope = 0.25) => (x >= 0 ? x : slope * x),
};

/** Normalise over the batch axis (PyTorch's implicit dim 0 for 3-D input). */
export const BATCH_AXIS = ['softmax', 'softmin', 'logsoftmax', 'softmax2d'] as const;
export type BatchAxisActivation = (typeof BATCH_AXIS)[number];

/** In A1111's table but impossible to use: the reason is the error message. */
export const UNUSABLE: Readonly<Record<string, string>> = {
  glu: 'GLU halves the width, so the next Linear cannot take its output; A1111 would crash while generating',
  threshold: "torch.nn.Threshold needs constructor arguments, so A1111 cannot build it",
  multiheadattention: 'torch.nn.MultiheadAttention needs constructor arguments, so A1111 cannot build it',
};

/** Own-property lookup: a file's activation name must never reach Object.prototype ("constructor"…). */
export function elementwise(name: string): ElementwiseFn | undefined {
  return Object.hasOwn(ELEMENTWISE, name) ? ELEMENTWISE[name] : undefined;
}

export function isBatchAxis(name: string): name is BatchAxisActivation {
  return (BATCH_AXIS as readonly string[]).includes(name);
}

export function unusableReason(name: string): string | undefined {
  return Object.hasOwn(UNUSABLE, name) ? UNUSABLE[name] : undefined;
}

export function isKnownActivation(name: string): boolean {
  return name === 'linear' || elementwise(name) !== undefined || isBatchAxis(name) || unusableReason(name) !== undefined;
}
