/**
 * NumPy's `SeedSequence` (the hash-based seed mixer torchsde's Brownian tree draws its per-node seeds from):
 * `new SeedSequence(entropy, spawnKey, poolSize).generateState(n)` equals `np.random.SeedSequence(entropy=…,
 * spawn_key=…, pool_size=…).generate_state(n)` (uint32). Spec: docs/samplers.md §8.
 */
const INIT_A = 0x43b0d7e5;
const MULT_A = 0x931e8875;
const INIT_B = 0x8b51f9dd;
const MULT_B = 0x58f38ded;
const MIX_MULT_L = 0xca01f9dd;
const MIX_MULT_R = 0x4973f715;

/** A non-negative integer as little-endian 32-bit words ([0] for 0), as NumPy coerces entropy. */
function words(n: number | bigint): number[] {
  let v = BigInt(n);
  if (v < 0n) throw new RangeError('SeedSequence entropy must be non-negative');
  if (v === 0n) return [0];
  const out: number[] = [];
  while (v > 0n) {
    out.push(Number(v & 0xffffffffn));
    v >>= 32n;
  }
  return out;
}

export class SeedSequence {
  private readonly pool: Uint32Array;

  constructor(entropy: number | bigint, spawnKey: readonly (number | bigint)[] = [], poolSize = 4) {
    let run = words(entropy);
    const spawn = spawnKey.flatMap(words);
    if (spawn.length > 0 && run.length < poolSize) run = [...run, ...new Array<number>(poolSize - run.length).fill(0)];
    this.pool = new Uint32Array(poolSize);
    this.mix([...run, ...spawn]);
  }

  private mix(entropy: number[]): void {
    let hashConst = INIT_A;
    const hashmix = (value: number): number => {
      let v = (value ^ hashConst) >>> 0;
      hashConst = Math.imul(hashConst, MULT_A) >>> 0;
      v = Math.imul(v, hashConst) >>> 0;
      return (v ^ (v >>> 16)) >>> 0;
    };
    const mix = (x: number, y: number): number => {
      const r = (Math.imul(MIX_MULT_L, x) - Math.imul(MIX_MULT_R, y)) >>> 0;
      return (r ^ (r >>> 16)) >>> 0;
    };
    const pool = this.pool;
    for (let i = 0; i < pool.length; i++) pool[i] = hashmix(entropy[i] ?? 0);
    for (let src = 0; src < pool.length; src++) {
      for (let dst = 0; dst < pool.length; dst++) if (src !== dst) pool[dst] = mix(pool[dst]!, hashmix(pool[src]!));
    }
    for (let src = pool.length; src < entropy.length; src++) {
      for (let dst = 0; dst < pool.length; dst++) pool[dst] = mix(pool[dst]!, hashmix(entropy[src]!));
    }
  }

  /** `generate_state(n)` as uint32 words. */
  generateState(n: number): Uint32Array {
    const out = new Uint32Array(n);
    let hashConst = INIT_B;
    for (let i = 0; i < n; i++) {
      let v = (this.pool[i % this.pool.length]! ^ hashConst) >>> 0;
      hashConst = Math.imul(hashConst, MULT_B) >>> 0;
      v = Math.imul(v, hashConst) >>> 0;
      out[i] = (v ^ (v >>> 16)) >>> 0;
    }
    return out;
  }
}
