/**
 * DEFLATE streams at the format's maximum ratio (1032:1), made in microseconds: fflate compresses 1 MiB of
 * zeros to a short header, a run of zero bytes (each one four length-258 copies) and a tail; more zero bytes
 * in the middle give 1032 more output bytes each. A 1 MiB stream inflates to ~1 GiB.
 */
import { deflateSync, zlibSync } from 'fflate';

const BASE = 1 << 20;
const HEAD = 20;

function grow(stream: Uint8Array, head: number, extra: number): Uint8Array {
  const out = new Uint8Array(stream.length + extra);
  out.set(stream.subarray(0, head));
  out.set(stream.subarray(head), head + extra);
  return out;
}

/** Raw DEFLATE of `2^20 + 1032·k` zero bytes for the smallest k reaching `atLeast` bytes. */
export function deflateBomb(atLeast: number): { stream: Uint8Array; size: number } {
  const k = Math.max(0, Math.ceil((atLeast - BASE) / 1032));
  return { stream: grow(deflateSync(new Uint8Array(BASE), { level: 9 }), HEAD, k), size: BASE + 1032 * k };
}

/** The same inside a zlib wrapper (PNG zTXt/iTXt); the Adler-32 trailer is wrong, which inflaters check last. */
export function zlibBomb(atLeast: number): Uint8Array {
  const k = Math.max(0, Math.ceil((atLeast - BASE) / 1032));
  return grow(zlibSync(new Uint8Array(BASE), { level: 9 }), HEAD + 2, k);
}
