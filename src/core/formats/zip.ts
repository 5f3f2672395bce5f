/**
 * Zip container reader for torch.save archives (docs §1.1).
 *
 * torch writes every local header with zero sizes (data-descriptor flag), so sizes come from the central
 * directory, read through ZIP64 records when present. STORED entries are returned as zero-copy views of the
 * file; DEFLATE entries (a user re-zipped the file) are inflated with fflate.
 */
import { inflateSync } from 'fflate';
import { StudioError } from '../errors.ts';

export interface ZipEntry {
  readonly name: string;
  readonly method: number;
  readonly compressedSize: number;
  readonly size: number;
  readonly localHeaderOffset: number;
  readonly flags: number;
}

const SIG_LOCAL = 0x04034b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_EOCD = 0x06054b50;
const SIG_ZIP64_EOCD = 0x06064b50;
const SIG_ZIP64_LOCATOR = 0x07064b50;
const EOCD_SIZE = 22;
const MAX_COMMENT = 0xffff;
/** A hypernetwork archive has a handful of records; anything beyond this is not one of ours. */
const MAX_ENTRIES = 1_000_000;

export function isZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
}

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function u64(dv: DataView, at: number, what: string): number {
  const v = dv.getBigUint64(at, true);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new StudioError('corrupt-zip', `Zip ${what} is out of range (${v}).`);
  return Number(v);
}

function findEndOfCentralDirectory(bytes: Uint8Array, dv: DataView): number {
  const lowest = Math.max(0, bytes.length - EOCD_SIZE - MAX_COMMENT);
  for (let at = bytes.length - EOCD_SIZE; at >= lowest; at--) {
    if (dv.getUint32(at, true) === SIG_EOCD) return at;
  }
  throw new StudioError(
    'truncated',
    'The file is truncated: its zip archive has no end-of-central-directory record (an incomplete download or copy?).',
  );
}

/** Reads the central directory (through ZIP64 records when present). */
export function readZipDirectory(bytes: Uint8Array): ZipEntry[] {
  const dv = view(bytes);
  const eocd = findEndOfCentralDirectory(bytes, dv);
  let count = dv.getUint16(eocd + 10, true);
  let cdSize = dv.getUint32(eocd + 12, true);
  let cdOffset = dv.getUint32(eocd + 16, true);

  const locator = eocd - 20;
  if (locator >= 0 && dv.getUint32(locator, true) === SIG_ZIP64_LOCATOR) {
    const z64 = u64(dv, locator + 8, 'ZIP64 record offset');
    if (z64 + 56 > bytes.length || dv.getUint32(z64, true) !== SIG_ZIP64_EOCD) {
      throw new StudioError('corrupt-zip', 'The ZIP64 end-of-central-directory record is missing or damaged.');
    }
    count = u64(dv, z64 + 32, 'entry count');
    cdSize = u64(dv, z64 + 40, 'central directory size');
    cdOffset = u64(dv, z64 + 48, 'central directory offset');
  }
  if (count > MAX_ENTRIES) throw new StudioError('limit-exceeded', `The zip archive claims ${count} entries.`);
  if (cdOffset + cdSize > bytes.length) {
    throw new StudioError('truncated', 'The zip central directory lies beyond the end of the file: the file is truncated.');
  }

  const entries: ZipEntry[] = [];
  const utf8 = new TextDecoder('utf-8');
  let at = cdOffset;
  for (let i = 0; i < count; i++) {
    if (at + 46 > bytes.length || dv.getUint32(at, true) !== SIG_CENTRAL) {
      throw new StudioError('corrupt-zip', `Zip central directory entry ${i} is damaged.`);
    }
    const flags = dv.getUint16(at + 8, true);
    const method = dv.getUint16(at + 10, true);
    let compressedSize = dv.getUint32(at + 20, true);
    let size = dv.getUint32(at + 24, true);
    const nameLen = dv.getUint16(at + 28, true);
    const extraLen = dv.getUint16(at + 30, true);
    const commentLen = dv.getUint16(at + 32, true);
    let localHeaderOffset = dv.getUint32(at + 42, true);
    const nameStart = at + 46;
    const extraStart = nameStart + nameLen;
    const next = extraStart + extraLen + commentLen;
    if (next > bytes.length) throw new StudioError('corrupt-zip', `Zip central directory entry ${i} is damaged.`);
    const name = utf8.decode(bytes.subarray(nameStart, extraStart));

    // ZIP64 extended information: 8-byte fields present only for the 32-bit fields saturated at 0xFFFFFFFF.
    for (let e = extraStart; e + 4 <= extraStart + extraLen; ) {
      const id = dv.getUint16(e, true);
      const len = dv.getUint16(e + 2, true);
      if (id === 0x0001) {
        let f = e + 4;
        if (size === 0xffffffff) { size = u64(dv, f, 'entry size'); f += 8; }
        if (compressedSize === 0xffffffff) { compressedSize = u64(dv, f, 'entry size'); f += 8; }
        if (localHeaderOffset === 0xffffffff) { localHeaderOffset = u64(dv, f, 'entry offset'); }
      }
      e += 4 + len;
    }
    entries.push({ name, method, compressedSize, size, localHeaderOffset, flags });
    at = next;
  }
  return entries;
}

/** The bytes of one entry: a view of `bytes` for STORED entries, a fresh buffer for DEFLATE ones. */
export function readZipEntry(bytes: Uint8Array, entry: ZipEntry): Uint8Array {
  const dv = view(bytes);
  const at = entry.localHeaderOffset;
  if (at + 30 > bytes.length) throw new StudioError('truncated', `Zip entry ${entry.name} lies beyond the end of the file.`);
  if (dv.getUint32(at, true) !== SIG_LOCAL) throw new StudioError('corrupt-zip', `Zip entry ${entry.name} has a damaged local header.`);
  if (entry.flags & 0x1) throw new StudioError('unsupported-compression', `Zip entry ${entry.name} is encrypted.`);
  const start = at + 30 + dv.getUint16(at + 26, true) + dv.getUint16(at + 28, true);
  const end = start + entry.compressedSize;
  if (end > bytes.length) {
    throw new StudioError('truncated', `Zip entry ${entry.name} needs ${entry.compressedSize} bytes but the file ends first: it is truncated.`);
  }
  const data = bytes.subarray(start, end);
  if (entry.method === 0) return data;
  if (entry.method === 8) {
    // Deflate cannot expand more than ~1032:1; a larger claim is a zip bomb or a damaged directory.
    if (entry.size > entry.compressedSize * 1032 + 1024) {
      throw new StudioError('corrupt-zip', `Zip entry ${entry.name} claims an impossible inflated size (${entry.size} bytes).`);
    }
    let out: Uint8Array;
    try {
      out = inflateSync(data, { out: new Uint8Array(entry.size) });
    } catch (e) {
      throw new StudioError('corrupt-zip', `Zip entry ${entry.name} does not inflate: ${(e as Error).message}.`);
    }
    if (out.length !== entry.size) throw new StudioError('corrupt-zip', `Zip entry ${entry.name} inflates to the wrong size.`);
    return out;
  }
  throw new StudioError('unsupported-compression', `Zip entry ${entry.name} uses compression method ${entry.method}; only stored and deflate are supported.`);
}
