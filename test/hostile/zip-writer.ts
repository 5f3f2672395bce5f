/**
 * A zip writer for tests that can lie: every field of a local header, a directory entry or a data
 * descriptor can be overridden, directory entries can alias another entry's bytes, and an entry's stream can
 * be replaced. Without overrides it writes what torch writes (flag 0x0808, zero local sizes, a data
 * descriptor, ZIP64 end records), so a lie is the only difference from a valid file.
 */
import { deflateSync } from 'fflate';
import { crc32 } from '../../src/core/formats/crc32.ts';
import { concat } from './bytes.ts';

const enc = new TextEncoder();

interface HeaderFields {
  name: string;
  method: number;
  flags: number;
  crc: number;
  compressedSize: number;
  size: number;
}

export interface ZipFileSpec {
  name: string;
  data: Uint8Array;
  /** 0 STORED (default), 8 DEFLATE */
  method?: 0 | 8;
  /** the bytes stored instead of `data` (or its deflate stream); sizes and CRC still describe `data` */
  stream?: Uint8Array;
  /** torch's layout: sizes only in the directory and a data descriptor (default true) */
  descriptor?: boolean;
  local?: Partial<HeaderFields>;
  central?: Partial<HeaderFields & { offset: number }>;
  /** written after the data instead of the honest descriptor */
  descriptorBytes?: Uint8Array;
}

export interface ZipSpec {
  files: ZipFileSpec[];
  /** extra directory entries pointing at the local header of an earlier file */
  aliases?: { name: string; of: string }[];
  /** end records: ZIP64 as torch writes them (default), or the plain 32-bit one */
  zip64?: boolean;
  /** entry count written in the end records, instead of the real one */
  claimedCount?: number;
}


function localHeader(f: HeaderFields): Uint8Array {
  const name = enc.encode(f.name);
  const h = new Uint8Array(30 + name.length);
  const dv = new DataView(h.buffer);
  dv.setUint32(0, 0x04034b50, true);
  dv.setUint16(4, 20, true);
  dv.setUint16(6, f.flags, true);
  dv.setUint16(8, f.method, true);
  dv.setUint32(14, f.crc >>> 0, true);
  dv.setUint32(18, f.compressedSize >>> 0, true);
  dv.setUint32(22, f.size >>> 0, true);
  dv.setUint16(26, name.length, true);
  h.set(name, 30);
  return h;
}

function centralEntry(f: HeaderFields, offset: number): Uint8Array {
  const name = enc.encode(f.name);
  const c = new Uint8Array(46 + name.length);
  const dv = new DataView(c.buffer);
  dv.setUint32(0, 0x02014b50, true);
  dv.setUint16(4, 20, true);
  dv.setUint16(6, 20, true);
  dv.setUint16(8, f.flags, true);
  dv.setUint16(10, f.method, true);
  dv.setUint32(16, f.crc >>> 0, true);
  dv.setUint32(20, f.compressedSize >>> 0, true);
  dv.setUint32(24, f.size >>> 0, true);
  dv.setUint16(28, name.length, true);
  dv.setUint32(42, offset >>> 0, true);
  c.set(name, 46);
  return c;
}

function descriptor(crc: number, compressedSize: number, size: number): Uint8Array {
  const d = new Uint8Array(16);
  const dv = new DataView(d.buffer);
  dv.setUint32(0, 0x08074b50, true);
  dv.setUint32(4, crc >>> 0, true);
  dv.setUint32(8, compressedSize >>> 0, true);
  dv.setUint32(12, size >>> 0, true);
  return d;
}

function endRecords(count: number, cdOffset: number, cdSize: number, zip64: boolean): Uint8Array {
  const eocd = new Uint8Array(22);
  const ev = new DataView(eocd.buffer);
  ev.setUint32(0, 0x06054b50, true);
  if (!zip64) {
    ev.setUint16(8, count, true);
    ev.setUint16(10, count, true);
    ev.setUint32(12, cdSize, true);
    ev.setUint32(16, cdOffset, true);
    return eocd;
  }
  ev.setUint16(8, 0xffff, true);
  ev.setUint16(10, 0xffff, true);
  ev.setUint32(12, 0xffffffff, true);
  ev.setUint32(16, 0xffffffff, true);
  const rec = new Uint8Array(56);
  const rv = new DataView(rec.buffer);
  rv.setUint32(0, 0x06064b50, true);
  rv.setBigUint64(4, 44n, true);
  rv.setUint16(12, 45, true);
  rv.setUint16(14, 45, true);
  rv.setBigUint64(24, BigInt(count), true);
  rv.setBigUint64(32, BigInt(count), true);
  rv.setBigUint64(40, BigInt(cdSize), true);
  rv.setBigUint64(48, BigInt(cdOffset), true);
  const loc = new Uint8Array(20);
  const lv = new DataView(loc.buffer);
  lv.setUint32(0, 0x07064b50, true);
  lv.setBigUint64(8, BigInt(cdOffset + cdSize), true);
  lv.setUint32(16, 1, true);
  return concat([rec, loc, eocd]);
}

export function writeZip(spec: ZipSpec): Uint8Array {
  const parts: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  const offsets = new Map<string, { offset: number; fields: HeaderFields }>();
  let offset = 0;
  for (const f of spec.files) {
    const method = f.method ?? 0;
    const stored = f.stream ?? (method === 8 ? deflateSync(f.data) : f.data);
    const withDescriptor = f.descriptor ?? true;
    const honest: HeaderFields = { name: f.name, method, flags: withDescriptor ? 0x0808 : 0x0800, crc: crc32(f.data), compressedSize: stored.length, size: f.data.length };
    const local = { ...honest, ...(withDescriptor ? { crc: 0, compressedSize: 0, size: 0 } : {}), ...f.local };
    const dir = { ...honest, ...f.central };
    const header = localHeader(local);
    const tail = f.descriptorBytes ?? (withDescriptor ? descriptor(honest.crc, honest.compressedSize, honest.size) : new Uint8Array(0));
    central.push(centralEntry(dir, f.central?.offset ?? offset));
    offsets.set(f.name, { offset, fields: dir });
    parts.push(header, stored, tail);
    offset += header.length + stored.length + tail.length;
  }
  for (const a of spec.aliases ?? []) {
    const target = offsets.get(a.of);
    if (!target) throw new Error(`alias of unknown entry ${a.of}`);
    central.push(centralEntry({ ...target.fields, name: a.name }, target.offset));
  }
  const cdSize = central.reduce((n, c) => n + c.length, 0);
  const count = spec.claimedCount ?? central.length;
  return concat([...parts, ...central, endRecords(count, offset, cdSize, spec.zip64 ?? true)]);
}
