/**
 * 32-bit Mersenne Twister exactly as PyTorch's CPU generator runs it (aten/src/ATen/core/MT19937RNGEngine.h).
 * Why our own: A1111's "CPU" noise source is `torch.Generator().manual_seed(seed)`; every latent of a
 * generation derives from this word stream, so it must match bit for bit (see docs/torch-randn.md §1).
 */
import { StudioError } from '../../errors.ts';
const N = 624;
const M = 397;
const MATRIX_A = 0x9908b0df;
const UPPER = 0x80000000;
const LOWER = 0x7fffffff;

/** torch takes the seed as uint64 (negatives wrap) and feeds only the low 32 bits to the engine. */
export function seedToU32(seed: number | bigint): number {
  if (typeof seed === 'number') {
    if (!Number.isSafeInteger(seed)) throw new StudioError('bad-request', `A seed must be a whole number (got ${seed}).`);
    seed = BigInt(seed);
  }
  if (seed < -(1n << 63n) || seed >= 1n << 64n) throw new StudioError('bad-request', `Seed ${seed} is outside torch's range (-2^63 to 2^64-1).`);
  return Number(BigInt.asUintN(32, seed));
}

export class MT19937 {
  private readonly state = new Uint32Array(N);
  private index = N;

  constructor(seed: number | bigint = 5489) {
    this.seed(seed);
  }

  /** Standard init_genrand; the first draw regenerates the whole block (index = N). */
  seed(seed: number | bigint): void {
    const s = seedToU32(seed);
    const mt = this.state;
    mt[0] = s;
    let prev = s;
    for (let i = 1; i < N; i++) {
      // Math.imul keeps the 32-bit product exact where a float multiply would lose bits.
      prev = (Math.imul(1812433253, (prev ^ (prev >>> 30)) >>> 0) + i) >>> 0;
      mt[i] = prev;
    }
    this.index = N;
  }

  private twist(): void {
    const mt = this.state;
    for (let i = 0; i < N; i++) {
      const next = mt[(i + 1) % N] ?? 0;
      const y = ((mt[i] ?? 0) & UPPER) | (next & LOWER);
      mt[i] = ((mt[(i + M) % N] ?? 0) ^ (y >>> 1) ^ (next & 1 ? MATRIX_A : 0)) >>> 0;
    }
    this.index = 0;
  }

  /** Next raw 32-bit word (unsigned). */
  nextU32(): number {
    if (this.index >= N) this.twist();
    let y = this.state[this.index++] ?? 0;
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }
}
