/**
 * `.safetensors` read lazily: an 8-byte little-endian header length, a JSON header (name → dtype, shape,
 * data_offsets relative to the end of the header), then the tensor bytes. Nothing is executed; the header is
 * checked whole before any tensor is read — its size, each entry's dtype, shape and offsets (inside the file,
 * the right length for the shape, no two tensors sharing bytes) — so a crafted or truncated file fails at once
 * with the reason, in time and memory bounded by the header (at most 100 MB, the reference library's limit).
 */
import { decodeToFloat32, DTYPE_SIZE, type TorchDtype } from '../formats/dtype.ts';
import { badCheckpoint, checkedNumel, FLOAT_DTYPES, readExactly, truncated, type Checkpoint, type CheckpointTensor, type NamedFile } from './types.ts';

export const MAX_HEADER_BYTES = 100_000_000;

/** safetensors dtype names; only the float ones can be network weights */
const DTYPES: Readonly<Record<string, TorchDtype | null>> = {
  F32: 'float32',
  F16: 'float16',
  BF16: 'bfloat16',
  F64: 'float64',
  I64: 'int64',
  I32: 'int32',
  U8: 'uint8',
  I16: null,
  I8: null,
  U16: null,
  U32: null,
  U64: null,
  BOOL: null,
  F8_E4M3: null,
  F8_E5M2: null,
};

/** True when the file starts like a safetensors header (a plausible length, then `{`). */
export function looksLikeSafetensors(head: Uint8Array): boolean {
  if (head.length < 9) return false;
  const n = new DataView(head.buffer, head.byteOffset, 8).getBigUint64(0, true);
  return n >= 2n && n <= BigInt(MAX_HEADER_BYTES) && head[8] === 0x7b;
}

interface Entry {
  name: string;
  dtype: TorchDtype | null;
  dtypeName: string;
  shape: number[];
  begin: number;
  end: number;
}

function parseEntry(f: NamedFile, name: string, value: unknown, dataBytes: number): Entry {
  const bad = (why: string) => badCheckpoint(f.name, `its header entry "${name.slice(0, 200)}" ${why}`, { tensor: name.slice(0, 200) });
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw bad('is not an object');
  const { dtype, shape, data_offsets: offsets } = value as Record<string, unknown>;
  if (typeof dtype !== 'string' || !Object.hasOwn(DTYPES, dtype)) throw bad(`has an unknown dtype ${JSON.stringify(dtype)?.slice(0, 20)}`);
  if (!Array.isArray(shape)) throw bad('has no shape');
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0)) throw bad('has no valid data_offsets');
  const [begin, end] = offsets as [number, number];
  const known = DTYPES[dtype]!;
  const size = known ? DTYPE_SIZE[known] : 1;
  const numel = checkedNumel(shape as number[], size, f.name, name);
  if (end < begin) throw bad('ends before it begins');
  if (end > dataBytes) throw truncated(f.name, `tensor "${name.slice(0, 200)}" ends at byte ${end} of the data, which holds ${dataBytes}`);
  if (known && end - begin !== numel * size) throw bad(`holds ${end - begin} bytes but its shape [${(shape as number[]).join(', ')}] of ${dtype} needs ${numel * size}`);
  return { name, dtype: known, dtypeName: dtype, shape: shape as number[], begin, end };
}

export async function readSafetensors(f: NamedFile): Promise<Checkpoint> {
  if (f.file.size < 8) throw truncated(f.name, 'it is shorter than a safetensors header');
  const lengthField = new DataView((await readExactly(f, 0, 8)).slice().buffer).getBigUint64(0, true);
  if (lengthField > BigInt(MAX_HEADER_BYTES)) throw badCheckpoint(f.name, `its header claims ${lengthField} bytes (at most ${MAX_HEADER_BYTES})`);
  const headerBytes = Number(lengthField);
  if (8 + headerBytes > f.file.size) throw truncated(f.name, `its ${headerBytes}-byte header runs past the end of the file`);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(await readExactly(f, 8, headerBytes)));
  } catch (e) {
    throw badCheckpoint(f.name, `its header is not valid JSON (${(e as Error).message.slice(0, 120)})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) throw badCheckpoint(f.name, 'its header is not a JSON object');
  const base = 8 + headerBytes;
  const dataBytes = f.file.size - base;
  let metadata: Record<string, string> = {};
  const entries: Entry[] = [];
  for (const [name, value] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof value !== 'object' || value === null || Array.isArray(value) || !Object.values(value).every((v) => typeof v === 'string')) {
        throw badCheckpoint(f.name, '__metadata__ is not a map of strings');
      }
      metadata = value as Record<string, string>;
      continue;
    }
    entries.push(parseEntry(f, name, value, dataBytes));
  }
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  for (let i = 1; i < sorted.length; i++) {
    const [a, b] = [sorted[i - 1]!, sorted[i]!];
    if (b.begin < a.end) throw badCheckpoint(f.name, `tensors "${a.name.slice(0, 120)}" and "${b.name.slice(0, 120)}" share bytes`, { tensors: [a.name, b.name] });
  }
  const tensors = new Map<string, CheckpointTensor>();
  for (const e of entries) {
    tensors.set(e.name, {
      name: e.name,
      dtype: e.dtype ?? 'uint8',
      shape: e.shape,
      async read() {
        if (!e.dtype || !FLOAT_DTYPES.has(e.dtype)) throw badCheckpoint(f.name, `tensor "${e.name}" is ${e.dtypeName}, not a float type (F32, F16, BF16)`, { tensor: e.name });
        const bytes = await readExactly(f, base + e.begin, e.end - e.begin);
        return decodeToFloat32(bytes, e.dtype, (e.end - e.begin) / DTYPE_SIZE[e.dtype]);
      },
    });
  }
  return { format: 'safetensors', tensors, metadata, otherKeys: [] };
}
