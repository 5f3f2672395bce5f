/**
 * `torch.Generator` (CPU) + `torch.randn(..., dtype=float32)`, bit-exact with PyTorch on x86-64 (AVX2 kernel).
 * Why: A1111's CPU noise source seeds one generator per image and draws the initial latent and every
 * ancestral noise from it in order; matching those draws bit for bit is what makes a seed reproduce an image.
 * Spec and reference values: docs/torch-randn.md.
 */
import { StudioError } from '../../errors.ts';
import { cephesLogf, cephesSincosf, fl, TWO_PI_F } from './f32math.ts';
import { MT19937 } from './mt19937.ts';

const TWO_POW_M24 = 2 ** -24;
const TWO_POW_M53 = 2 ** -53;
const TWO_POW_32 = 2 ** 32;
const TWO_PI = 2 * Math.PI;

/** numel >= 16 takes torch's vectorized `normal_fill`; smaller tensors take the scalar double path. */
export const VECTOR_THRESHOLD = 16;

export function numel(shape: readonly number[] | number): number {
  if (typeof shape === 'number') shape = [shape];
  let n = 1;
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new StudioError('bad-request', `Bad dimension ${d} in the noise shape [${shape.join(',')}].`);
    n *= d;
  }
  return n;
}

export class TorchGenerator {
  private readonly mt: MT19937;
  /** Box–Muller's second value, kept between calls exactly like CPUGeneratorImpl::next_double_normal_sample. */
  private cachedNormal: number | null = null;

  constructor(seed: number | bigint = 67280421310721n) {
    this.mt = new MT19937(seed);
  }

  /** `manual_seed`: reseeds the engine and drops the cached normal. */
  manualSeed(seed: number | bigint): this {
    this.mt.seed(seed);
    this.cachedNormal = null;
    return this;
  }

  nextU32(): number {
    return this.mt.nextU32();
  }

  /** float uniform in [0,1): the low 24 bits of one word. */
  uniformFloat(): number {
    return (this.mt.nextU32() & 0xffffff) * TWO_POW_M24;
  }

  /** double uniform in [0,1): low 53 bits of (first << 32 | second). */
  uniformDouble(): number {
    const hi = this.mt.nextU32() & 0x1fffff;
    const lo = this.mt.nextU32();
    return (hi * TWO_POW_32 + lo) * TWO_POW_M53;
  }

  /** Scalar path: double Box–Muller with the one-value cache (torch's `normal_distribution<double>`). */
  private scalarNormal(): number {
    if (this.cachedNormal !== null) {
      const c = this.cachedNormal;
      this.cachedNormal = null;
      return c;
    }
    const u1 = this.uniformDouble();
    const u2 = this.uniformDouble();
    const r = Math.sqrt(-2 * Math.log(1 - u2));
    const theta = TWO_PI * u1;
    this.cachedNormal = r * Math.sin(theta);
    return r * Math.cos(theta);
  }

  /** `torch.randn(shape, generator=g)` as float32, in memory order. */
  randn(shape: readonly number[] | number): Float32Array {
    const n = numel(shape);
    const out = new Float32Array(n);
    if (n < VECTOR_THRESHOLD) {
      for (let i = 0; i < n; i++) out[i] = this.scalarNormal();
      return out;
    }
    // normal_fill: n uniforms, then Box–Muller per 16-block; a ragged tail redraws a whole final block.
    for (let i = 0; i < n; i++) out[i] = this.uniformFloat();
    for (let b = 0; b + 16 <= n; b += 16) boxMuller16(out, b);
    if (n % 16 !== 0) {
      const b = n - 16;
      for (let i = 0; i < 16; i++) out[b + i] = this.uniformFloat();
      boxMuller16(out, b);
    }
    return out;
  }
}

const sc: [number, number] = [0, 0];

/** One AVX2 `normal_fill_16` block in place: element j pairs with j+8 of the same block. */
function boxMuller16(data: Float32Array, b: number): void {
  for (let j = 0; j < 8; j++) {
    const u1 = fl(1 - (data[b + j] ?? 0));
    const u2 = data[b + 8 + j] ?? 0;
    const r = fl(Math.sqrt(fl(-2 * cephesLogf(u1))));
    const theta = fl(TWO_PI_F * u2);
    cephesSincosf(theta, sc);
    data[b + j] = fl(r * sc[1]);
    data[b + 8 + j] = fl(r * sc[0]);
  }
}
