/**
 * A pickle (protocol 2) writer for torch.save-style test and benchmark files: opcodes one call at a time, a
 * tensor as `_rebuild_tensor_v2` over a persistent storage id, and metadata values. Valid files (bench/torch-save.ts)
 * and lying ones (test/hostile/torch-writer.ts) are both written with it.
 */
const enc = new TextEncoder();

/** Protocol 2 opcodes, written one call at a time. */
export class Pickler {
  private chunks: number[] = [];
  private memo = 0;
  op(...b: number[]): this {
    for (const x of b) this.chunks.push(x);
    return this;
  }
  raw(bytes: Uint8Array): this {
    for (const x of bytes) this.chunks.push(x);
    return this;
  }
  int(n: number): this {
    if (n >= 0 && n < 256) return this.op(0x4b, n);
    if (n >= 0 && n < 65536) return this.op(0x4d, n & 255, n >> 8);
    if (n >= -(2 ** 31) && n < 2 ** 31) return this.op(0x4a, n & 255, (n >> 8) & 255, (n >> 16) & 255, (n >>> 24) & 255);
    return this.long(BigInt(n));
  }
  /** LONG1: minimal two's-complement little-endian bytes */
  long(n: bigint): this {
    const bytes: number[] = [];
    for (let v = n; ; ) {
      const b = Number(BigInt.asUintN(8, v));
      bytes.push(b);
      v >>= 8n;
      if ((v === 0n && !(b & 0x80)) || (v === -1n && b & 0x80)) break;
    }
    return this.op(0x8a, bytes.length, ...bytes);
  }
  float(x: number): this {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setFloat64(0, x, false);
    return this.op(0x47, ...b);
  }
  str(s: string): this {
    const b = enc.encode(s);
    return this.op(0x58, b.length & 255, (b.length >> 8) & 255, (b.length >> 16) & 255, b.length >>> 24).raw(b);
  }
  global(module: string, name: string): this {
    return this.op(0x63).raw(enc.encode(`${module}\n${name}\n`));
  }
  put(): number {
    const i = this.memo++;
    this.op(0x72, i & 255, (i >> 8) & 255, (i >> 16) & 255, i >>> 24); // LONG_BINPUT
    return i;
  }
  get(i: number): this {
    return this.op(0x6a, i & 255, (i >> 8) & 255, (i >> 16) & 255, i >>> 24); // LONG_BINGET
  }
  get length(): number {
    return this.chunks.length;
  }
  bytes(): Uint8Array {
    return Uint8Array.from(this.chunks);
  }
}

export interface TensorView {
  /** storage key ("0", "1", …) */
  key: string;
  storageType?: string;
  /** elements the storage declares */
  numel: number;
  offset?: number;
  shape: number[];
  /** default: contiguous */
  stride?: number[];
}

/** A metadata value: ints are numbers, floats `{ f: x }`, lists arrays. */
export type Meta = number | bigint | { f: number } | string | boolean | null | Meta[];

function contiguous(shape: readonly number[]): number[] {
  return shape.map((_, k) => shape.slice(k + 1).reduce((a, b) => a * b, 1));
}

export function writeTensor(p: Pickler, t: TensorView): void {
  p.global('torch._utils', '_rebuild_tensor_v2').op(0x28);
  p.op(0x28).str('storage').global('torch', t.storageType ?? 'FloatStorage').str(t.key).str('cpu').int(t.numel).op(0x74, 0x51);
  p.int(t.offset ?? 0).op(0x28);
  for (const n of t.shape) p.int(n);
  p.op(0x74, 0x28);
  for (const n of t.stride ?? contiguous(t.shape)) p.int(n);
  p.op(0x74, 0x89).global('collections', 'OrderedDict').op(0x29, 0x52).op(0x74, 0x52);
}

export function writeMeta(p: Pickler, v: Meta): void {
  if (v === null) p.op(0x4e);
  else if (typeof v === 'boolean') p.op(v ? 0x88 : 0x89);
  else if (typeof v === 'number') p.int(v);
  else if (typeof v === 'bigint') p.long(v);
  else if (typeof v === 'string') p.str(v);
  else if (Array.isArray(v)) {
    p.op(0x5d);
    for (let i = 0; i < v.length; i += 1000) {
      p.op(0x28);
      for (const x of v.slice(i, i + 1000)) writeMeta(p, x);
      p.op(0x65);
    }
  } else p.float(v.f);
}
