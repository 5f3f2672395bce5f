/**
 * Float32 arithmetic with the exact roundings of PyTorch's AVX2 `normal_fill` kernel (Cephes logf/sincosf as
 * compiled by GCC with FMA contraction). JS only has doubles, so every float32 operation is spelled out:
 * `fl` = round to float32, `fmaf` = fused multiply-add rounded once to float32. Spec: torch-randn.md §5.1.
 */
export const fl = Math.fround;

const f32buf = new Float32Array(1);
const u32buf = new Uint32Array(f32buf.buffer);

export function f32FromBits(bits: number): number {
  u32buf[0] = bits >>> 0;
  return f32buf[0] ?? 0;
}

export function f32Bits(x: number): number {
  f32buf[0] = x;
  return u32buf[0] ?? 0;
}

/** Next float32 after `x` towards +inf (dir > 0) or -inf (dir < 0); finite non-zero inputs only matter here. */
function nextF32(x: number, dir: number): number {
  if (x === 0) return dir > 0 ? f32FromBits(1) : f32FromBits(0x80000001);
  const b = f32Bits(x);
  const up = dir > 0 === x > 0;
  return f32FromBits(up ? b + 1 : b - 1);
}

/**
 * float32 fma(a, b, c): a*b is exact in a double (24+24 bits), the sum is rounded to a double and its exact
 * error is recovered by TwoSum. Rounding the double to float32 is then correct unless the double sits exactly
 * on a float32 midpoint, where the (non-zero) error decides the direction instead of ties-to-even.
 */
export function fmaf(a: number, b: number, c: number): number {
  const p = a * b;
  const s = p + c;
  const bb = s - p;
  const e = p - (s - bb) + (c - bb);
  const r = fl(s);
  if (e === 0 || r === s || !Number.isFinite(s)) return r;
  const other = nextF32(r, s > r ? 1 : -1);
  if (s - r !== other - s) return r; // not a midpoint: double rounding is harmless
  // On a midpoint: the true value lies on the side of e.
  return e > 0 ? Math.max(r, other) : Math.min(r, other);
}

const SQRTHF = f32FromBits(0x3f3504f3);
const LOG_P = [0x3d9021bb, 0xbdebd1b8, 0x3def251a, 0xbdfe5d4f, 0x3e11e9bf, 0xbe2aae50, 0x3e4cceac, 0xbe7ffffc, 0x3eaaaaaa].map(
  f32FromBits,
);
const LOG_Q1 = f32FromBits(0xb95e8083);
const LOG_Q2 = f32FromBits(0x3f318000);

/** Cephes `log256_ps` for x in (0, 1] (the kernel only ever sees 1 - u). */
export function cephesLogf(x0: number): number {
  const bits = f32Bits(x0);
  let e = ((bits >>> 23) & 0xff) - 127 + 1;
  const m = f32FromBits((bits & 0x807fffff) | 0x3f000000);
  let x: number;
  if (m < SQRTHF) {
    e -= 1;
    x = fl(fl(m - 1) + m);
  } else {
    x = fl(m - 1);
  }
  const z = fl(x * x);
  let y = LOG_P[0] ?? 0;
  for (let k = 1; k <= 8; k++) y = fmaf(y, x, LOG_P[k] ?? 0);
  y = fl(y * x);
  y = fmaf(y, z, fl(e * LOG_Q1));
  y = fl(y - z * 0.5);
  x = fl(x + y);
  x = fl(x + e * LOG_Q2);
  return x;
}

const NEG_DP1 = f32FromBits(0xbf490000);
const NEG_DP2 = f32FromBits(0xb97da000);
const NEG_DP3 = f32FromBits(0xb3222169);
const SIN_P = [0xb94ca1f9, 0x3c08839e, 0xbe2aaaa3].map(f32FromBits);
const COS_P = [0x37ccf5ce, 0xbab6061a, 0x3d2aaaa5].map(f32FromBits);
const FOPI = f32FromBits(0x3fa2f983);
export const TWO_PI_F = f32FromBits(0x40c90fdb);

/** Cephes `sincos256_ps` for theta >= 0; writes [sin, cos] into `out`. */
export function cephesSincosf(theta: number, out: [number, number]): void {
  let j = Math.trunc(fl(theta * FOPI));
  j = (j + 1) & ~1;
  const y = j;
  let x = fmaf(y, NEG_DP1, theta);
  x = fmaf(y, NEG_DP2, x);
  x = fmaf(y, NEG_DP3, x);
  const z = fl(x * x);
  let c = COS_P[0] ?? 0;
  c = fmaf(c, z, COS_P[1] ?? 0);
  c = fmaf(c, z, COS_P[2] ?? 0);
  c = fl(c * z);
  c = fmaf(c, z, -(z * 0.5));
  c = fl(c + 1);
  let s = SIN_P[0] ?? 0;
  s = fmaf(s, z, SIN_P[1] ?? 0);
  s = fmaf(s, z, SIN_P[2] ?? 0);
  s = fl(s * z);
  s = fmaf(s, x, x);
  let sin: number;
  let cos: number;
  if ((j & 2) === 0) {
    sin = s;
    cos = c;
  } else {
    sin = c;
    cos = s;
  }
  if ((j & 4) !== 0) sin = -sin;
  if (((j - 2) & 4) === 0) cos = -cos;
  out[0] = sin;
  out[1] = cos;
}
