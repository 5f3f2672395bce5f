/**
 * An ONNX model's structure without its weights, read through ranged reads: a 1.7 GB single-file fp16 U-Net or
 * a 1.1 MB graph beside 3.4 GB of `model.onnx_data` both become a small "skeleton" ModelProto in which every
 * large initializer is an external-data reference — into the model file itself for weights it embeds (the
 * bytes stay where they are), or kept as it was for weights already external. Nothing is ever held whole: the
 * reader walks the protobuf wire format, copies the small fields and skips `raw_data` payloads.
 *
 * Only what the skeleton needs is interpreted: ModelProto.graph (7), GraphProto.initializer (5) and
 * TensorProto.raw_data (9) / data_location (14); every other field is copied byte for byte, so producers'
 * metadata, functions and sparse initializers survive unchanged.
 */
import { StudioError } from '../errors.ts';
import { EXTERNAL_THRESHOLD } from './external.ts';

/** Random access to a file's bytes (OPFS/Blob slices in the browser, a file descriptor in Node). */
export interface RangeReader {
  readonly size: number;
  read(offset: number, length: number): Promise<Uint8Array>;
}

export interface ScanOptions {
  /** the name the model file is known by in its folder (`model.onnx`): embedded weights are referenced there */
  selfLocation: string;
  /** embedded initializers of at least this many bytes become references (default 1 KiB, as ORT and onnx) */
  threshold?: number;
  /** the largest skeleton accepted, in bytes (weights in `float_data` and the like cannot be referenced) */
  maxSkeletonBytes?: number;
  /** shown in errors: the file as the user knows it (`unet/model.onnx`) */
  what?: string;
}

export interface ScannedModel {
  /** ModelProto bytes: the graph with every large initializer external */
  readonly skeleton: Uint8Array;
  /** bytes of weights referenced into the model file itself */
  readonly selfReferencedBytes: number;
}

const MODEL_GRAPH = 7;
const GRAPH_INITIALIZER = 5;
const TENSOR_RAW_DATA = 9;
const TENSOR_EXTERNAL_DATA = 13;
const TENSOR_DATA_LOCATION = 14;
const WIRE_VARINT = 0;
const WIRE_I64 = 1;
const WIRE_LEN = 2;
const WIRE_I32 = 5;
/** bytes read per refill: a tensor header is ~100 bytes, so little of a skipped payload is read for nothing */
const WINDOW = 64 * 1024;
const DEFAULT_MAX_SKELETON = 512 * 1024 * 1024;

interface Field {
  readonly number: number;
  readonly wire: number;
  /** where the field's tag starts */
  readonly start: number;
  /** where its payload starts (after the length prefix for length-delimited fields) */
  readonly payload: number;
  readonly end: number;
}

/** Buffered sequential reads with cheap forward skips. */
class Cursor {
  private buf: Uint8Array = new Uint8Array(0);
  private bufStart = 0;
  pos = 0;

  constructor(
    private readonly reader: RangeReader,
    private readonly what: string,
  ) {}

  malformed(detail: string): StudioError {
    return new StudioError('graph-error', `${this.what} is not a readable ONNX model (${detail} at byte ${this.pos}); the file may be truncated or damaged.`);
  }

  /** [pos, pos + n) is in the buffer; reads up to `limit` ahead to save round trips */
  private async ensure(n: number, limit: number): Promise<void> {
    if (this.pos >= this.bufStart && this.pos + n <= this.bufStart + this.buf.length) return;
    if (this.pos + n > this.reader.size) throw this.malformed('unexpected end of file');
    const length = Math.max(n, Math.min(WINDOW, limit - this.pos));
    this.buf = await this.reader.read(this.pos, length);
    this.bufStart = this.pos;
    if (this.buf.length < n) throw this.malformed('short read');
  }

  async varint(limit: number): Promise<number> {
    await this.ensure(Math.min(10, limit - this.pos), limit);
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= limit) throw this.malformed('varint runs past its message');
      const b = this.buf[this.pos - this.bufStart]!;
      this.pos++;
      value += (b & 0x7f) * scale;
      if (b < 0x80) {
        if (!Number.isSafeInteger(value)) throw this.malformed('integer out of range');
        return value;
      }
      scale *= 128;
    }
    throw this.malformed('varint longer than 10 bytes');
  }

  async field(limit: number): Promise<Field> {
    const start = this.pos;
    const tag = await this.varint(limit);
    const number = Math.floor(tag / 8);
    const wire = tag % 8;
    if (number === 0) throw this.malformed('field number 0');
    let payload = this.pos;
    let end: number;
    switch (wire) {
      case WIRE_VARINT:
        await this.varint(limit);
        end = this.pos;
        break;
      case WIRE_I64:
        end = payload + 8;
        break;
      case WIRE_I32:
        end = payload + 4;
        break;
      case WIRE_LEN: {
        const length = await this.varint(limit);
        payload = this.pos;
        end = payload + length;
        break;
      }
      default:
        throw this.malformed(`unsupported wire type ${wire}`);
    }
    if (end > limit) throw this.malformed(`field ${number} runs past its message`);
    this.pos = end;
    return { number, wire, start, payload, end };
  }

  /** A copy of [from, to): sliced from the buffer when there, else read directly. */
  async bytes(from: number, to: number): Promise<Uint8Array> {
    if (from >= this.bufStart && to <= this.bufStart + this.buf.length) return this.buf.slice(from - this.bufStart, to - this.bufStart);
    const out = await this.reader.read(from, to - from);
    if (out.length !== to - from) throw this.malformed('short read');
    return out;
  }
}

/** Protobuf output assembled from chunks. */
class Writer {
  readonly chunks: Uint8Array[] = [];
  length = 0;

  push(bytes: Uint8Array): void {
    this.chunks.push(bytes);
    this.length += bytes.length;
  }

  varint(value: number): void {
    const out: number[] = [];
    let v = value;
    while (v >= 0x80) {
      out.push((v % 128) | 0x80);
      v = Math.floor(v / 128);
    }
    out.push(v);
    this.push(Uint8Array.from(out));
  }

  /** a length-delimited field holding `body` */
  message(number: number, body: Writer | Uint8Array): void {
    this.varint(number * 8 + WIRE_LEN);
    this.varint(body.length);
    if (body instanceof Uint8Array) this.push(body);
    else for (const c of body.chunks) this.push(c);
  }

  string(number: number, text: string): void {
    this.message(number, new TextEncoder().encode(text));
  }

  bytes(): Uint8Array {
    const out = new Uint8Array(this.length);
    let at = 0;
    for (const c of this.chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }
}

/** Reads the model's skeleton; see the module comment. */
export async function scanModel(reader: RangeReader, options: ScanOptions): Promise<ScannedModel> {
  const threshold = options.threshold ?? EXTERNAL_THRESHOLD;
  const maxBytes = options.maxSkeletonBytes ?? DEFAULT_MAX_SKELETON;
  const cursor = new Cursor(reader, options.what ?? options.selfLocation);
  const out = new Writer();
  let referenced = 0;
  let graphs = 0;

  const copy = async (into: Writer, f: Field): Promise<void> => {
    into.push(await cursor.bytes(f.start, f.end));
    if (out.length + into.length > maxBytes) {
      throw new StudioError('unsupported-model', `${options.what ?? options.selfLocation} keeps more than ${Math.round(maxBytes / 2 ** 20)} MiB outside raw weight data (e.g. float_data), which cannot be loaded in slices; re-export it with raw data or external data.`);
    }
  };

  const tensor = async (f: Field): Promise<Writer> => {
    const body = new Writer();
    let raw: Field | null = null;
    let external = false;
    cursor.pos = f.payload;
    while (cursor.pos < f.end) {
      const g = await cursor.field(f.end);
      if (g.number === TENSOR_RAW_DATA && g.wire === WIRE_LEN) raw = g;
      else {
        if (g.number === TENSOR_EXTERNAL_DATA) external = true;
        if (g.number === TENSOR_DATA_LOCATION) external = true;
        await copy(body, g);
      }
    }
    if (raw && external) throw cursor.malformed('an initializer with both raw data and external data');
    if (raw) {
      const length = raw.end - raw.payload;
      if (length < threshold) await copy(body, raw);
      else {
        for (const [key, value] of [['location', options.selfLocation], ['offset', String(raw.payload)], ['length', String(length)]] as const) {
          const entry = new Writer();
          entry.string(1, key);
          entry.string(2, value);
          body.message(TENSOR_EXTERNAL_DATA, entry);
        }
        body.varint(TENSOR_DATA_LOCATION * 8 + WIRE_VARINT);
        body.varint(1);
        referenced += length;
      }
    }
    return body;
  };

  const graph = async (f: Field): Promise<Writer> => {
    const body = new Writer();
    cursor.pos = f.payload;
    while (cursor.pos < f.end) {
      const g = await cursor.field(f.end);
      if (g.number === GRAPH_INITIALIZER && g.wire === WIRE_LEN && g.end - g.payload >= threshold) {
        const next = g.end;
        body.message(GRAPH_INITIALIZER, await tensor(g));
        cursor.pos = next;
      } else await copy(body, g);
    }
    return body;
  };

  while (cursor.pos < reader.size) {
    const f = await cursor.field(reader.size);
    if (f.number === MODEL_GRAPH && f.wire === WIRE_LEN) {
      if (++graphs > 1) throw cursor.malformed('more than one graph');
      const next = f.end;
      out.message(MODEL_GRAPH, await graph(f));
      cursor.pos = next;
    } else await copy(out, f);
  }
  if (graphs === 0) throw new StudioError('graph-error', `${options.what ?? options.selfLocation} has no graph: it is not an ONNX model.`);
  return { skeleton: out.bytes(), selfReferencedBytes: referenced };
}

/** A `RangeReader` over bytes already in memory (tests, small files). */
export function bytesReader(bytes: Uint8Array): RangeReader {
  return { size: bytes.length, read: async (offset, length) => bytes.subarray(offset, offset + length) };
}
