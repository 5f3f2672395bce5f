/**
 * Zip container reader for torch.save archives (docs/hypernetwork-format.md §1).
 *
 * torch writes every local header with zero sizes (data-descriptor flag), so sizes come from the central
 * directory, read through ZIP64 records when present. The whole directory is checked before any entry is
 * read: every field is read inside the caller's view (never past it: the view may sit in a larger buffer,
 * e.g. Node's pooled `readFileSync` Buffer), each local header must agree with its directory entry (name,
 * method, flags, sizes where it has them, and the data descriptor when it has one), STORED entries must
 * store exactly their size, and no two entries may share bytes (several directory entries aliasing one
 * stream would multiply what a small file inflates to). STORED entries are then zero-copy views; DEFLATE
 * entries (a user re-zipped the file) are inflated under a byte budget shared by the whole archive.
 */
import { StudioError } from '../errors.ts';
import { crc32 } from './crc32.ts';
import { inflateBounded } from './inflate.ts';

export interface ZipEntry {
  readonly name: string;
  readonly method: number;
  readonly compressedSize: number;
  readonly size: number;
  readonly crc: number;
  readonly localHeaderOffset: number;
  readonly flags: number;
  /** where the stored bytes start (after the local header); `dataStart + compressedSize` is inside the file */
  readonly dataStart: number;
}

export interface ZipArchive {
  readonly entries: readonly ZipEntry[];
  /** entry by name (names are unique: duplicates are refused) */
  get(name: string): ZipEntry | undefined;
  /**
   * The bytes of one entry: a view of the file for STORED entries, a fresh buffer for DEFLATE ones (checked
   * against the entry's CRC-32). `verifyCrc` also checks a STORED entry (small records: the pickle).
   */
  read(entry: ZipEntry, opts?: { verifyCrc?: boolean }): Uint8Array;
}

/** Bytes all DEFLATE entries of an archive may still inflate to; shared with the caller, which may tighten it. */
export interface InflateBudget {
  inflateBytes: number;
}

const SIG_LOCAL = 0x04034b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_EOCD = 0x06054b50;
const SIG_ZIP64_EOCD = 0x06064b50;
const SIG_ZIP64_LOCATOR = 0x07064b50;
const SIG_DESCRIPTOR = 0x08074b50;
const EOCD_SIZE = 22;
const CENTRAL_SIZE = 46;
const LOCAL_SIZE = 30;
const MAX_COMMENT = 0xffff;
const FLAG_ENCRYPTED = 0x1;
const FLAG_DESCRIPTOR = 0x8;
const SATURATED = 0xffffffff;
/** A hypernetwork archive has a few hundred records at most (one per tensor); far more is not one of ours. */
export const MAX_ZIP_ENTRIES = 100_000;
/**
 * What DEFLATE entries may inflate to in total, by default: the largest hypernetwork A1111 can write in
 * practice (five widths up to 1280, `[1, 4, 4, 1]`, fp32) is ≈ 730 MB, and torch's own files are STORED.
 */
export const DEFAULT_INFLATE_BUDGET = 1 << 30;

export function isZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
}

function corrupt(msg: string): never {
  throw new StudioError('corrupt-zip', msg);
}

function inconsistent(msg: string, details: Record<string, unknown> = {}): never {
  throw new StudioError('zip-inconsistent', msg, details);
}

/** Bounds-checked little-endian reads over the caller's view; a read past its end is `truncated`. */
class Reader {
  private readonly dv: DataView;
  constructor(readonly bytes: Uint8Array) {
    this.dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  has(at: number, n: number): boolean {
    return Number.isSafeInteger(at) && at >= 0 && n >= 0 && at + n <= this.bytes.length;
  }
  need(at: number, n: number, what: string): void {
    if (!this.has(at, n)) throw new StudioError('truncated', `The zip archive's ${what} lies beyond the end of the file: the file is truncated or damaged.`);
  }
  u16(at: number, what: string): number {
    this.need(at, 2, what);
    return this.dv.getUint16(at, true);
  }
  u32(at: number, what: string): number {
    this.need(at, 4, what);
    return this.dv.getUint32(at, true);
  }
  u64(at: number, what: string): number {
    this.need(at, 8, what);
    const v = this.dv.getBigUint64(at, true);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) corrupt(`Zip ${what} is out of range (${v}).`);
    return Number(v);
  }
}

function findEndOfCentralDirectory(r: Reader): number {
  const n = r.bytes.length;
  const lowest = Math.max(0, n - EOCD_SIZE - MAX_COMMENT);
  for (let at = n - EOCD_SIZE; at >= lowest; at--) {
    if (r.u32(at, 'end record') === SIG_EOCD) return at;
  }
  throw new StudioError(
    'truncated',
    'The file is truncated: its zip archive has no end-of-central-directory record (an incomplete download or copy?).',
  );
}

interface DirectoryInfo {
  count: number;
  cdOffset: number;
  cdSize: number;
  /** where the directory must end: the ZIP64 record, or the end record */
  cdLimit: number;
}

function readEnd(r: Reader): DirectoryInfo {
  const eocd = findEndOfCentralDirectory(r);
  if (r.u16(eocd + 4, 'end record') !== 0 || r.u16(eocd + 6, 'end record') !== 0) corrupt('The zip archive spans several disks, which torch never writes.');
  let count = r.u16(eocd + 10, 'end record');
  if (r.u16(eocd + 8, 'end record') !== count) corrupt('The zip end record disagrees with itself on the entry count.');
  let cdSize = r.u32(eocd + 12, 'end record');
  let cdOffset = r.u32(eocd + 16, 'end record');
  let cdLimit = eocd;

  const locator = eocd - 20;
  if (locator >= 0 && r.u32(locator, 'ZIP64 locator') === SIG_ZIP64_LOCATOR) {
    const z64 = r.u64(locator + 8, 'ZIP64 record offset');
    if (!r.has(z64, 56) || z64 + 56 > locator || r.u32(z64, 'ZIP64 record') !== SIG_ZIP64_EOCD) {
      corrupt('The ZIP64 end-of-central-directory record is missing or damaged.');
    }
    count = r.u64(z64 + 32, 'entry count');
    if (r.u64(z64 + 24, 'entry count') !== count) corrupt('The ZIP64 record disagrees with itself on the entry count.');
    cdSize = r.u64(z64 + 40, 'central directory size');
    cdOffset = r.u64(z64 + 48, 'central directory offset');
    cdLimit = z64;
  }
  if (count > MAX_ZIP_ENTRIES) throw new StudioError('limit-exceeded', `The zip archive claims ${count} entries; a hypernetwork has a few hundred at most.`, { count });
  if (cdOffset + cdSize > cdLimit) {
    throw new StudioError('truncated', 'The zip central directory lies beyond the end of the file: the file is truncated.');
  }
  // every directory entry takes at least 46 bytes: a count the directory cannot hold is a lie
  if (count * CENTRAL_SIZE > cdSize) corrupt(`The zip directory claims ${count} entries in ${cdSize} bytes.`);
  return { count, cdOffset, cdSize, cdLimit };
}

interface Zip64Fields {
  size: number;
  compressedSize: number;
  localHeaderOffset?: number;
}

/** The ZIP64 extended-information field (id 1) inside an extra block: 8-byte values for saturated fields. */
function zip64Extra(r: Reader, start: number, length: number, base: Zip64Fields, central: boolean, where: string): Zip64Fields {
  const out = { ...base };
  const end = start + length;
  for (let e = start; e < end; ) {
    if (e + 4 > end) corrupt(`${where}: its extra field is damaged.`);
    const id = r.u16(e, 'extra field');
    const len = r.u16(e + 2, 'extra field');
    const body = e + 4;
    if (body + len > end) corrupt(`${where}: its extra field is damaged.`);
    if (id === 0x0001) {
      let f = body;
      const take = (): number => {
        if (f + 8 > body + len) corrupt(`${where}: its ZIP64 field is too short.`);
        const v = r.u64(f, 'ZIP64 field');
        f += 8;
        return v;
      };
      // the local header carries both sizes whenever it carries the field; the directory only saturated ones
      if (!central || out.size === SATURATED) out.size = take();
      if (!central || out.compressedSize === SATURATED) out.compressedSize = take();
      if (central && out.localHeaderOffset === SATURATED) out.localHeaderOffset = take();
    }
    e = body + len;
  }
  return out;
}

interface CentralRecord extends Omit<ZipEntry, 'dataStart'> {
  rawName: Uint8Array;
}

function readCentral(r: Reader, info: DirectoryInfo): CentralRecord[] {
  const utf8 = new TextDecoder('utf-8');
  const records: CentralRecord[] = [];
  const end = info.cdOffset + info.cdSize;
  let at = info.cdOffset;
  for (let i = 0; i < info.count; i++) {
    const where = `Zip directory entry ${i}`;
    if (at + CENTRAL_SIZE > end || r.u32(at, 'central directory') !== SIG_CENTRAL) corrupt(`${where} is damaged.`);
    const flags = r.u16(at + 8, 'central directory');
    const method = r.u16(at + 10, 'central directory');
    const crc = r.u32(at + 16, 'central directory');
    const nameLen = r.u16(at + 28, 'central directory');
    const extraLen = r.u16(at + 30, 'central directory');
    const commentLen = r.u16(at + 32, 'central directory');
    const nameStart = at + CENTRAL_SIZE;
    const extraStart = nameStart + nameLen;
    const next = extraStart + extraLen + commentLen;
    if (next > end) corrupt(`${where} runs past the directory.`);
    const sizes = zip64Extra(r, extraStart, extraLen, {
      compressedSize: r.u32(at + 20, 'central directory'),
      size: r.u32(at + 24, 'central directory'),
      localHeaderOffset: r.u32(at + 42, 'central directory'),
    }, true, where);
    const rawName = r.bytes.subarray(nameStart, extraStart);
    records.push({ name: utf8.decode(rawName), rawName, method, flags, crc, compressedSize: sizes.compressedSize, size: sizes.size, localHeaderOffset: sizes.localHeaderOffset! });
    at = next;
  }
  if (at !== end) corrupt(`The zip directory holds ${end - at} bytes beyond its ${info.count} entries.`);
  return records;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Length of the data descriptor after an entry's data, checked against the directory; throws when absent or different. */
function descriptorLength(r: Reader, at: number, c: CentralRecord, limit: number): number {
  const fits = (n: number): boolean => at + n <= limit && r.has(at, n);
  const signed = fits(4) && r.u32(at, 'data descriptor') === SIG_DESCRIPTOR ? 4 : 0;
  for (const width of [4, 8] as const) {
    const n = signed + 4 + 2 * width;
    if (!fits(n)) continue;
    const read = (p: number): number => (width === 4 ? r.u32(p, 'data descriptor') : r.u64(p, 'data descriptor'));
    if (r.u32(at + signed, 'data descriptor') === c.crc && read(at + signed + 4) === c.compressedSize && read(at + signed + 4 + width) === c.size) return n;
  }
  return inconsistent(`Zip entry ${c.name}: its data descriptor is missing or disagrees with the central directory.`, { entry: c.name });
}

/** Checks one local header against its directory record; returns the entry and the end of its region. */
function checkLocal(r: Reader, c: CentralRecord, limit: number): { entry: ZipEntry; end: number } {
  const at = c.localHeaderOffset;
  const where = `Zip entry ${c.name}`;
  if (!r.has(at, LOCAL_SIZE) || at + LOCAL_SIZE > limit) inconsistent(`${where}: its local header lies outside the archive's entries.`, { entry: c.name });
  if (r.u32(at, 'local header') !== SIG_LOCAL) corrupt(`${where} has a damaged local header.`);
  if ((c.flags | r.u16(at + 6, 'local header')) & FLAG_ENCRYPTED) throw new StudioError('unsupported-compression', `${where} is encrypted.`);
  const flags = r.u16(at + 6, 'local header');
  const disagree = (field: string): never => inconsistent(`${where}: the local header and the central directory disagree on its ${field}.`, { entry: c.name, field });
  if ((flags & FLAG_DESCRIPTOR) !== (c.flags & FLAG_DESCRIPTOR)) disagree('data-descriptor flag');
  if (r.u16(at + 8, 'local header') !== c.method) disagree('compression method');
  const nameLen = r.u16(at + 26, 'local header');
  const extraLen = r.u16(at + 28, 'local header');
  const dataStart = at + LOCAL_SIZE + nameLen + extraLen;
  if (dataStart > limit) inconsistent(`${where}: its local header runs into the central directory.`, { entry: c.name });
  if (!sameBytes(r.bytes.subarray(at + LOCAL_SIZE, at + LOCAL_SIZE + nameLen), c.rawName)) disagree('name');

  // sizes and CRC: zero when a data descriptor follows (torch), else equal to the directory's
  const local = zip64Extra(r, at + LOCAL_SIZE + nameLen, extraLen, { compressedSize: r.u32(at + 18, 'local header'), size: r.u32(at + 22, 'local header') }, false, where);
  const localCrc = r.u32(at + 14, 'local header');
  const deferred = (flags & FLAG_DESCRIPTOR) !== 0;
  const agrees = (v: number, expected: number): boolean => v === expected || (deferred && v === 0);
  if (!agrees(localCrc, c.crc)) disagree('CRC-32');
  if (!agrees(local.compressedSize, c.compressedSize)) disagree('compressed size');
  if (!agrees(local.size, c.size)) disagree('size');
  if (c.method === 0 && c.size !== c.compressedSize) disagree('size (a stored entry must store exactly its size)');

  const dataEnd = dataStart + c.compressedSize;
  // the directory was found whole, so an entry running into it is a lie, not a truncation
  if (dataEnd > limit) inconsistent(`${where} claims ${c.compressedSize} bytes, which run into the central directory.`, { entry: c.name });
  const end = deferred ? dataEnd + descriptorLength(r, dataEnd, c, limit) : dataEnd;
  const { rawName: _raw, ...fields } = c;
  return { entry: { ...fields, dataStart }, end };
}

/** Reads and checks the whole directory (through ZIP64 records when present). */
export function readZipDirectory(bytes: Uint8Array): ZipEntry[] {
  const r = new Reader(bytes);
  const info = readEnd(r);
  const records = readCentral(r, info);
  const names = new Set<string>();
  const regions: { start: number; end: number; name: string }[] = [];
  const entries = records.map((c) => {
    if (names.has(c.name)) inconsistent(`The zip archive holds two entries named ${c.name}.`, { entry: c.name });
    names.add(c.name);
    // entries live before the central directory
    const { entry, end } = checkLocal(r, c, info.cdOffset);
    regions.push({ start: c.localHeaderOffset, end, name: c.name });
    return entry;
  });
  regions.sort((a, b) => a.start - b.start);
  for (let i = 1; i < regions.length; i++) {
    const [a, b] = [regions[i - 1]!, regions[i]!];
    if (b.start < a.end) {
      inconsistent(`Zip entries ${a.name} and ${b.name} share bytes (several directory entries alias one stream); the archive is malformed.`, { entries: [a.name, b.name] });
    }
  }
  return entries;
}

/** Opens an archive: the checked directory plus budgeted entry reads. */
export function openZip(bytes: Uint8Array, budget: InflateBudget = { inflateBytes: DEFAULT_INFLATE_BUDGET }): ZipArchive {
  const entries = readZipDirectory(bytes);
  const byName = new Map(entries.map((e) => [e.name, e]));
  return {
    entries,
    get: (name) => byName.get(name),
    read(entry, opts = {}) {
      const data = bytes.subarray(entry.dataStart, entry.dataStart + entry.compressedSize);
      if (entry.method === 0) {
        if (opts.verifyCrc && crc32(data) !== entry.crc) corrupt(`Zip entry ${entry.name} fails its CRC-32 check: the file is damaged.`);
        return data;
      }
      if (entry.method !== 8) {
        throw new StudioError('unsupported-compression', `Zip entry ${entry.name} uses compression method ${entry.method}; only stored and deflate are supported.`);
      }
      if (entry.size > budget.inflateBytes) {
        throw new StudioError('limit-exceeded', `Zip entry ${entry.name} would inflate to ${entry.size} bytes, beyond what this file can hold (${budget.inflateBytes} bytes left).`, { entry: entry.name, declared: entry.size, limit: budget.inflateBytes });
      }
      const out = inflateBounded(data, { format: 'deflate', expectedSize: entry.size, maxBytes: budget.inflateBytes, what: `Zip entry ${entry.name}`, malformed: 'corrupt-zip' });
      budget.inflateBytes -= out.length;
      if (crc32(out) !== entry.crc) corrupt(`Zip entry ${entry.name} fails its CRC-32 check: the file is damaged.`);
      return out;
    },
  };
}
