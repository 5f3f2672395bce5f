/** Exact decoding of torch's stored element types into float32. */

export type TorchDtype = 'float32' | 'float16' | 'bfloat16' | 'float64' | 'int64' | 'int32' | 'uint8';

export const DTYPE_SIZE: Readonly<Record<TorchDtype, number>> = {
  float32: 4,
  float16: 2,
  bfloat16: 2,
  float64: 8,
  int64: 8,
  int32: 4,
  uint8: 1,
};

let halfTable: Float32Array | undefined;

/** All 65536 half-precision values as float32 (every one is exactly representable). */
function halfToFloatTable(): Float32Array {
  if (halfTable) return halfTable;
  const table = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = h & 0x8000 ? -1 : 1;
    const exp = (h >> 10) & 0x1f;
    const frac = h & 0x3ff;
    if (exp === 0) table[h] = sign * frac * 2 ** -24; // subnormal
    else if (exp === 31) table[h] = frac ? NaN : sign * Infinity;
    else table[h] = sign * (1 + frac / 1024) * 2 ** (exp - 15);
  }
  // NaN payloads are not preserved by the arithmetic above; write the exact bit patterns.
  const bits = new Uint32Array(table.buffer);
  for (let h = 0x7c01; h < 0x8000; h++) bits[h] = 0x7f800000 | ((h & 0x3ff) << 13);
  for (let h = 0xfc01; h < 0x10000; h++) bits[h] = 0xff800000 | ((h & 0x3ff) << 13);
  halfTable = table;
  return table;
}

/**
 * Decodes `count` contiguous elements of `dtype` from `bytes` into a new Float32Array.
 * float16 and bfloat16 are exact; float64 rounds to nearest float32, as torch's `.float()` does.
 */
export function decodeToFloat32(bytes: Uint8Array, dtype: TorchDtype, count: number, littleEndian = true): Float32Array {
  const out = new Float32Array(count);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (dtype) {
    case 'float32': {
      // byte copies keep NaN payloads bit-exact (a round trip through a JS number may not)
      const dst = new Uint8Array(out.buffer);
      dst.set(bytes.subarray(0, count * 4));
      if (!littleEndian) swapBytes(dst, 4);
      break;
    }
    case 'float16': {
      const table = halfToFloatTable();
      for (let i = 0; i < count; i++) out[i] = table[dv.getUint16(i * 2, littleEndian)]!;
      break;
    }
    case 'bfloat16': {
      // a bfloat16 is the high half of a float32
      const bits = new Uint32Array(out.buffer);
      for (let i = 0; i < count; i++) bits[i] = dv.getUint16(i * 2, littleEndian) << 16;
      break;
    }
    case 'float64':
      for (let i = 0; i < count; i++) out[i] = dv.getFloat64(i * 8, littleEndian);
      break;
    case 'int64':
      for (let i = 0; i < count; i++) out[i] = Number(dv.getBigInt64(i * 8, littleEndian));
      break;
    case 'int32':
      for (let i = 0; i < count; i++) out[i] = dv.getInt32(i * 4, littleEndian);
      break;
    case 'uint8':
      for (let i = 0; i < count; i++) out[i] = bytes[i]!;
      break;
  }
  return out;
}

/** Reverses the byte order of each `width`-byte element in place. */
export function swapBytes(bytes: Uint8Array, width: number): void {
  for (let i = 0; i + width <= bytes.length; i += width) {
    for (let a = i, b = i + width - 1; a < b; a++, b--) {
      const t = bytes[a]!;
      bytes[a] = bytes[b]!;
      bytes[b] = t;
    }
  }
}
