/**
 * The zip container of a torch.save `.ckpt`, read through ranged reads: the end record (and ZIP64 record) from
 * the file's tail, the central directory in one read, and each entry's local header when the entry is used.
 * `src/core/formats/zip.ts` reads archives held whole in memory (hypernetworks, a few MB); a checkpoint is
 * 2–7 GB, so only the directory and the records actually used are read. torch writes every record STORED
 * (uncompressed); anything else is refused rather than inflated.
 */
import { StudioError } from '../errors.ts';
import { badCheckpoint, readExactly, truncated, type NamedFile } from './types.ts';

export interface RangedZipEntry {
  readonly name: string;
  readonly method: number;
  readonly flags: number;
  readonly compressedSize: number;
  readonly size: number;
  readonly localHeaderOffset: number;
}

export interface RangedZip {
  readonly entries: ReadonlyMap<string, RangedZipEntry>;
  /** where the entry's stored bytes start, after its local header (checked against the directory) */
  dataStart(entry: RangedZipEntry): Promise<number>;
}

const SIG_LOCAL = 0x04034b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_EOCD = 0x06054b50;
const SIG_ZIP64_EOCD = 0x06064b50;
const SIG_ZIP64_LOCATOR = 0x07064b50;
const EOCD_SIZE = 22;
const CENTRAL_SIZE = 46;
const LOCAL_SIZE = 30;
const MAX_COMMENT = 0xffff;
/** an SD checkpoint has ~1,100 records (~2,300 with EMA weights); a training state a few times more */
export const MAX_CKPT_ENTRIES = 200_000;
const MAX_DIRECTORY_BYTES = 64 * 1024 * 1024;

function corrupt(f: NamedFile, msg: string): StudioError {
  return new StudioError('corrupt-zip', `${f.name}: ${msg}`, { file: f.name });
}

function u64(dv: DataView, at: number, f: NamedFile, what: string): number {
  const v = dv.getBigUint64(at, true);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw corrupt(f, `its zip ${what} is out of range (${v}).`);
  return Number(v);
}

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

interface Directory {
  count: number;
  offset: number;
  size: number;
}

async function readEnd(f: NamedFile): Promise<Directory> {
  const size = f.file.size;
  const tailStart = Math.max(0, size - (EOCD_SIZE + MAX_COMMENT + 20));
  const tail = await readExactly(f, tailStart, size - tailStart);
  const dv = view(tail);
  let eocd = -1;
  // the end record whose comment runs exactly to the end of the file
  for (let at = tail.length - EOCD_SIZE; at >= 0; at--) {
    if (dv.getUint32(at, true) === SIG_EOCD && at + EOCD_SIZE + dv.getUint16(at + 20, true) === tail.length) {
      eocd = at;
      break;
    }
  }
  if (eocd < 0) throw truncated(f.name, 'its zip archive has no end-of-central-directory record');
  let count = dv.getUint16(eocd + 10, true);
  let cdSize = dv.getUint32(eocd + 12, true);
  let cdOffset = dv.getUint32(eocd + 16, true);
  let limit = tailStart + eocd;
  if (eocd >= 20 && dv.getUint32(eocd - 20, true) === SIG_ZIP64_LOCATOR) {
    const z64 = u64(dv, eocd - 12, f, 'ZIP64 record offset');
    if (z64 + 56 > tailStart + eocd - 20) throw corrupt(f, 'its ZIP64 end record is missing or damaged.');
    const record = view(await readExactly(f, z64, 56));
    if (record.getUint32(0, true) !== SIG_ZIP64_EOCD) throw corrupt(f, 'its ZIP64 end record is missing or damaged.');
    count = u64(record, 32, f, 'entry count');
    cdSize = u64(record, 40, f, 'directory size');
    cdOffset = u64(record, 48, f, 'directory offset');
    limit = z64;
  }
  if (count > MAX_CKPT_ENTRIES) throw new StudioError('limit-exceeded', `${f.name}: its zip archive claims ${count} records (at most ${MAX_CKPT_ENTRIES}).`, { count });
  if (cdSize > MAX_DIRECTORY_BYTES) throw new StudioError('limit-exceeded', `${f.name}: its zip directory claims ${cdSize} bytes.`, { bytes: cdSize });
  if (cdOffset + cdSize > limit) throw truncated(f.name, 'its zip directory lies beyond the end of the file');
  if (count * CENTRAL_SIZE > cdSize) throw corrupt(f, `its zip directory claims ${count} records in ${cdSize} bytes.`);
  return { count, offset: cdOffset, size: cdSize };
}

function zip64Fields(dv: DataView, start: number, length: number, e: { size: number; compressedSize: number; localHeaderOffset: number }, f: NamedFile): void {
  for (let at = start; at + 4 <= start + length; ) {
    const id = dv.getUint16(at, true);
    const len = dv.getUint16(at + 2, true);
    if (at + 4 + len > start + length) throw corrupt(f, 'a zip extra field is damaged.');
    if (id === 0x0001) {
      let p = at + 4;
      const take = (): number => {
        if (p + 8 > at + 4 + len) throw corrupt(f, 'a ZIP64 field is too short.');
        const v = u64(dv, p, f, 'ZIP64 field');
        p += 8;
        return v;
      };
      if (e.size === 0xffffffff) e.size = take();
      if (e.compressedSize === 0xffffffff) e.compressedSize = take();
      if (e.localHeaderOffset === 0xffffffff) e.localHeaderOffset = take();
    }
    at += 4 + len;
  }
}

/** Reads and checks the directory; entries' local headers are read when `dataStart` is asked. */
export async function openRangedZip(f: NamedFile): Promise<RangedZip> {
  const dir = await readEnd(f);
  const bytes = await readExactly(f, dir.offset, dir.size);
  const dv = view(bytes);
  const utf8 = new TextDecoder('utf-8');
  const entries = new Map<string, RangedZipEntry>();
  let at = 0;
  for (let i = 0; i < dir.count; i++) {
    if (at + CENTRAL_SIZE > bytes.length || dv.getUint32(at, true) !== SIG_CENTRAL) throw corrupt(f, `zip directory record ${i} is damaged.`);
    const nameLen = dv.getUint16(at + 28, true);
    const extraLen = dv.getUint16(at + 30, true);
    const next = at + CENTRAL_SIZE + nameLen + extraLen + dv.getUint16(at + 32, true);
    if (next > bytes.length) throw corrupt(f, `zip directory record ${i} runs past the directory.`);
    const e = { compressedSize: dv.getUint32(at + 20, true), size: dv.getUint32(at + 24, true), localHeaderOffset: dv.getUint32(at + 42, true) };
    zip64Fields(dv, at + CENTRAL_SIZE + nameLen, extraLen, e, f);
    const name = utf8.decode(bytes.subarray(at + CENTRAL_SIZE, at + CENTRAL_SIZE + nameLen));
    if (entries.has(name)) throw corrupt(f, `the archive holds two records named ${name.slice(0, 200)}.`);
    if (e.localHeaderOffset + LOCAL_SIZE > dir.offset) throw corrupt(f, `record ${name.slice(0, 200)} starts inside the zip directory.`);
    entries.set(name, { name, method: dv.getUint16(at + 10, true), flags: dv.getUint16(at + 8, true), ...e });
    at = next;
  }
  /** regions of the entries whose headers were read: no two used records may share bytes */
  const regions: { start: number; end: number; name: string }[] = [];
  return {
    entries,
    async dataStart(entry) {
      if (entry.flags & 0x1) throw new StudioError('unsupported-compression', `${f.name}: record ${entry.name} is encrypted.`);
      if (entry.method !== 0 || entry.size !== entry.compressedSize) {
        throw new StudioError('unsupported-compression', `${f.name}: record ${entry.name} is compressed (method ${entry.method}); torch.save stores checkpoints uncompressed — was the file re-zipped?`, { entry: entry.name });
      }
      const local = view(await readExactly(f, entry.localHeaderOffset, LOCAL_SIZE));
      if (local.getUint32(0, true) !== SIG_LOCAL) throw corrupt(f, `record ${entry.name} has a damaged local header.`);
      const start = entry.localHeaderOffset + LOCAL_SIZE + local.getUint16(26, true) + local.getUint16(28, true);
      const end = start + entry.compressedSize;
      if (end > dir.offset) throw badCheckpoint(f.name, `record ${entry.name} claims ${entry.compressedSize} bytes that run into the zip directory`);
      const name = utf8.decode(await readExactly(f, entry.localHeaderOffset + LOCAL_SIZE, local.getUint16(26, true)));
      if (name !== entry.name) throw corrupt(f, `record ${entry.name.slice(0, 200)}'s local header names ${name.slice(0, 200)}.`);
      for (const r of regions) {
        if (r.name !== entry.name && entry.localHeaderOffset < r.end && r.start < end) throw badCheckpoint(f.name, `records ${r.name} and ${entry.name} share bytes`);
      }
      if (!regions.some((r) => r.name === entry.name)) regions.push({ start: entry.localHeaderOffset, end, name: entry.name });
      return start;
    },
  };
}
