/**
 * Large initializers stay where they are. For a single-file model the patched graph references the ORIGINAL
 * bytes as external data (offset/length into them), so a multi-GB U-Net is never re-encoded or copied: ORT
 * reads each tensor from the mounted buffer (WebGPU uploads it straight to the GPU). Tensors that already live
 * in an external file (Optimum's `model.onnx_data`) keep their references.
 */
import { StudioError } from '../errors.ts';
import { isSafeRelativePath } from '../paths.ts';
import { EXTERNAL, int, type ModelProto, type TensorProto } from './proto.ts';

/** Tensors at least this large (bytes) are referenced, not embedded (ORT and onnx use 1 KiB too). */
export const EXTERNAL_THRESHOLD = 1024;

export interface ExternalRef {
  location: string;
  offset: number;
  length: number;
}

/**
 * An external-data location as a path relative to the graph's folder, or `unsafe-path`: absolute paths, `..`,
 * backslashes and drive letters are refused before anything is opened (ONNX resolves `location` against the
 * model file's folder; a crafted graph must not reach `/etc/passwd` or a sibling model).
 */
export function checkLocation(location: string, tensor: string): string {
  const normalized = location.startsWith('./') ? location.slice(2) : location;
  if (!isSafeRelativePath(normalized)) {
    throw new StudioError('unsafe-path', `Initializer "${tensor}" names external data outside the model folder ("${location.slice(0, 200)}"); only files inside the folder are read.`, {
      location: location.slice(0, 200),
    });
  }
  return normalized;
}

/** A byte count or offset of external data: a decimal integer in [0, 2^53). */
function externalNumber(value: string | undefined, key: string, tensor: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d{1,16}$/.test(value) || !Number.isSafeInteger(Number(value))) {
    throw new StudioError('graph-error', `Initializer "${tensor}" has an invalid external-data ${key} ("${value.slice(0, 40)}").`);
  }
  return Number(value);
}

export function externalRef(t: TensorProto): ExternalRef | null {
  if (t.data_location !== EXTERNAL) return null;
  const name = t.name ?? '';
  const get = (k: string): string | undefined => t.external_data?.find((e) => e.key === k)?.value;
  const location = get('location');
  if (!location) throw new StudioError('graph-error', `Initializer "${name}" is external but names no file.`);
  return { location: checkLocation(location, name), offset: externalNumber(get('offset'), 'offset', name, 0), length: externalNumber(get('length'), 'length', name, -1) };
}

export function setExternal(t: TensorProto, ref: ExternalRef): void {
  delete t.raw_data;
  t.data_location = EXTERNAL;
  t.external_data = [
    { key: 'location', value: ref.location },
    { key: 'offset', value: String(ref.offset) },
    { key: 'length', value: String(ref.length) },
  ];
}

/** Every initializer of the main graph plus tensors held by Constant nodes (never externalised: small). */
function initializers(model: ModelProto): TensorProto[] {
  return model.graph.initializer;
}

/**
 * Points every large embedded initializer whose bytes are a view into `original` at that buffer, as external
 * data named `location`. Returns how many bytes are now referenced instead of embedded.
 */
export function referenceOriginal(model: ModelProto, original: Uint8Array, location: string, threshold = EXTERNAL_THRESHOLD): number {
  let referenced = 0;
  for (const t of initializers(model)) {
    const raw = t.raw_data;
    if (!raw || raw.length < threshold || raw.buffer !== original.buffer) continue;
    const offset = raw.byteOffset - original.byteOffset;
    if (offset < 0 || offset + raw.length > original.length) continue;
    setExternal(t, { location, offset, length: raw.length });
    referenced += raw.length;
  }
  return referenced;
}

/** Locations of existing external data the model needs (e.g. `model.onnx_data`). */
export function externalLocations(model: ModelProto): string[] {
  const out = new Set<string>();
  for (const t of initializers(model)) {
    const ref = externalRef(t);
    if (ref) out.add(ref.location);
  }
  return [...out];
}

/** Reads `length` bytes at `offset` of an external file (the CLI passes a file-handle reader). */
export type ExternalReader = (location: string, offset: number, length: number) => Uint8Array;

/**
 * Rewrites the model for a standalone file pair OUT.onnx + OUT.onnx_data: every large tensor (embedded or
 * external) is handed to `write` in order and re-pointed at `location`. Offsets are 4 KiB-aligned so that
 * runtimes may memory-map the file. `write` receives (bytes, offset) and must store them there.
 */
export function relocateExternal(
  model: ModelProto,
  location: string,
  read: ExternalReader,
  write: (bytes: Uint8Array, offset: number) => void,
  threshold = EXTERNAL_THRESHOLD,
): number {
  let offset = 0;
  for (const t of initializers(model)) {
    const ref = externalRef(t);
    let bytes: Uint8Array | undefined;
    if (ref) {
      const length = ref.length >= 0 ? ref.length : tensorByteLength(t);
      bytes = read(ref.location, ref.offset, length);
    } else if (t.raw_data && t.raw_data.length >= threshold) {
      bytes = t.raw_data;
    }
    if (!bytes) continue;
    offset = Math.ceil(offset / 4096) * 4096;
    write(bytes, offset);
    setExternal(t, { location, offset, length: bytes.length });
    offset += bytes.length;
  }
  return offset;
}

const ELEMENT_BYTES: Record<number, number> = { 1: 4, 2: 1, 3: 1, 4: 2, 5: 2, 6: 4, 7: 8, 9: 1, 10: 2, 11: 8, 12: 4, 13: 8, 16: 2 };

function tensorByteLength(t: TensorProto): number {
  const size = ELEMENT_BYTES[t.data_type ?? 0];
  if (!size) throw new StudioError('graph-error', `Initializer "${t.name}" has an unsupported element type ${t.data_type}.`);
  return (t.dims ?? []).reduce<number>((a, d) => a * int(d), 1) * size;
}
