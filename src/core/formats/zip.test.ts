/**
 * The zip reader stays inside each entry and inside the caller's view, refuses archives whose local headers
 * and central directory disagree or whose entries share bytes, and inflates under a budget.
 */
import { describe, expect, it } from 'vitest';
import { codeOf } from '../../../test/support/outcome.ts';
import { deflateBomb } from '../../../test/hostile/deflate-bomb.ts';
import { smallHypernetwork } from '../../../test/hostile/torch-writer.ts';
import { writeZip, type ZipFileSpec } from '../../../test/hostile/zip-writer.ts';
import { isStudioError } from '../errors.ts';
import { readHypernetwork } from '../hypernetwork/read.ts';
import { openZip, readZipDirectory } from './zip.ts';

const enc = new TextEncoder();
const file = (name: string, text: string, more: Partial<ZipFileSpec> = {}): ZipFileSpec => ({ name, data: enc.encode(text), ...more });


/** The bytes placed inside a larger buffer of sentinel bytes, as Node's pooled readFileSync hands them out. */
function pooled(bytes: Uint8Array, sentinel = 0x41): Uint8Array {
  const pool = new Uint8Array(bytes.length + 8192).fill(sentinel);
  pool.set(bytes, 4096);
  return pool.subarray(4096, 4096 + bytes.length);
}

describe('zip reader: honest archives', () => {
  it('reads torch-style (descriptor, ZIP64 end) and plain archives, STORED entries as views of the input', () => {
    for (const zip64 of [true, false]) {
      const bytes = pooled(writeZip({ zip64, files: [file('a/data.pkl', 'pickle'), file('a/version', '3\n', { descriptor: false })] }));
      const zip = openZip(bytes);
      expect(zip.entries.map((e) => e.name)).toEqual(['a/data.pkl', 'a/version']);
      const data = zip.read(zip.get('a/data.pkl')!, { verifyCrc: true });
      expect(new TextDecoder().decode(data)).toBe('pickle');
      expect(data.buffer).toBe(bytes.buffer);
    }
  });

  it('inflates DEFLATE entries and checks their CRC', () => {
    const bytes = writeZip({ files: [file('a/x', 'hello hello hello hello', { method: 8 })] });
    const zip = openZip(bytes);
    expect(new TextDecoder().decode(zip.read(zip.entries[0]!))).toBe('hello hello hello hello');
    const damaged = writeZip({ files: [file('a/x', 'hello hello hello hello', { method: 8, central: { crc: 1 }, descriptorBytes: new Uint8Array(0), descriptor: false, local: { crc: 1 } })] });
    expect(codeOf(() => openZip(damaged).read(openZip(damaged).entries[0]!))).toBe('corrupt-zip');
  });
});

describe('zip reader: every read stays inside its entry and the caller’s view', () => {
  it('refuses a STORED entry whose directory claims more bytes than it stores (the out-of-bounds read)', () => {
    // the tensor record holds 16 bytes; the directory says 4096: before, tensors were read from the next records
    const lie = writeZip({ files: [file('a/data/0', 'x'.repeat(16), { central: { size: 4096, compressedSize: 4096 } }), file('a/version', '3\n')] });
    expect(codeOf(() => readZipDirectory(pooled(lie)))).toBe('zip-inconsistent');
    const sizeOnly = writeZip({ files: [file('a/data/0', 'x'.repeat(16), { central: { size: 4096 } })] });
    expect(codeOf(() => readZipDirectory(sizeOnly))).toBe('zip-inconsistent');
  });

  it('refuses the same lie on a tensor record of a hypernetwork held in a pooled buffer', () => {
    const lie = smallHypernetwork((files) => {
      const last = files.find((f) => f.name === 'archive/data/7')!;
      last.central = { size: last.data.length * 64, compressedSize: last.data.length * 64 };
    });
    let error: unknown;
    try {
      readHypernetwork(pooled(lie), 'lie.pt');
    } catch (e) {
      error = e;
    }
    expect(isStudioError(error) && error.code).toBe('zip-inconsistent');
  });

  it('never reads a field past the end of the view, even when the buffer goes on', () => {
    const bytes = writeZip({ files: [file('a/data.pkl', 'pickle')] });
    // cut inside the end records: the sentinel bytes after the view must not complete them
    for (const cut of [bytes.length - 1, bytes.length - 30, bytes.length - 70, 40, 10]) {
      expect(['truncated', 'corrupt-zip']).toContain(codeOf(() => readZipDirectory(pooled(bytes.subarray(0, cut), 0x50))));
    }
  });
});

describe('zip reader: local headers and the directory must agree', () => {
  const cases: [string, Partial<ZipFileSpec>][] = [
    ['name', { local: { name: 'a/data.pk1' } }],
    ['method', { local: { method: 8 } }],
    ['data-descriptor flag', { local: { flags: 0x0800 } }],
    ['size without a descriptor', { descriptor: false, local: { size: 5 } }],
    ['CRC without a descriptor', { descriptor: false, local: { crc: 7 } }],
    ['a descriptor that disagrees', { descriptorBytes: new Uint8Array([0x50, 0x4b, 0x07, 0x08, 0, 0, 0, 0, 6, 0, 0, 0, 9, 0, 0, 0]) }],
    ['a missing descriptor', { descriptorBytes: new Uint8Array(0) }],
  ];
  it.each(cases)('refuses an archive whose local header disagrees: %s', (_what, lie) => {
    expect(codeOf(() => readZipDirectory(writeZip({ files: [file('a/data.pkl', 'pickle', lie), file('a/version', '3\n')] })))).toBe('zip-inconsistent');
  });

  it('refuses duplicate names and directory entries aliasing one stream', () => {
    expect(codeOf(() => readZipDirectory(writeZip({ files: [file('a/x', '1'), file('a/x', '2')] })))).toBe('zip-inconsistent');
    const aliases = Array.from({ length: 8 }, (_, i) => ({ name: `a/data/${i + 1}`, of: 'a/data/0' }));
    expect(codeOf(() => readZipDirectory(writeZip({ files: [file('a/data/0', 'x'.repeat(64), { method: 8 })], aliases })))).toBe('zip-inconsistent');
    // an entry whose stored bytes run over the next local header
    const over = writeZip({ files: [file('a/x', 'x'.repeat(8), { descriptor: false, central: { size: 40, compressedSize: 40 }, local: { size: 40, compressedSize: 40 } }), file('a/y', 'y'.repeat(64), { descriptor: false })] });
    expect(codeOf(() => readZipDirectory(over))).toBe('zip-inconsistent');
  });

  it('refuses an entry count the directory cannot hold, before looping over it', () => {
    expect(codeOf(() => readZipDirectory(writeZip({ files: [file('a/x', '1')], claimedCount: 50_000 })))).toBe('corrupt-zip');
    expect(codeOf(() => readZipDirectory(writeZip({ files: [file('a/x', '1')], claimedCount: 2 ** 40 })))).toBe('limit-exceeded');
  });
});

describe('zip reader: DEFLATE bombs', () => {
  it('refuses a declared size beyond the budget without inflating', () => {
    const { stream, size } = deflateBomb(64 << 20);
    const bytes = writeZip({ files: [{ name: 'a/data/0', data: new Uint8Array(0), method: 8, stream, central: { size }, descriptorBytes: new Uint8Array(0), descriptor: false, local: { size, compressedSize: stream.length } }] });
    const zip = openZip(bytes, { inflateBytes: 16 << 20 });
    const cpu = process.cpuUsage();
    expect(codeOf(() => zip.read(zip.entries[0]!))).toBe('limit-exceeded');
    expect(process.cpuUsage(cpu).user).toBeLessThan(200_000);
  });

  it('stops a stream that inflates past its declared size after one slice, not after the whole bomb', () => {
    // 64 KiB of stream declared as 1 KiB: inflating it all would be 64 MiB of output
    const { stream } = deflateBomb(64 << 20);
    const bytes = writeZip({ files: [{ name: 'a/data/0', data: new Uint8Array(1024), method: 8, stream }] });
    const zip = openZip(bytes);
    const before = process.memoryUsage().arrayBuffers;
    expect(codeOf(() => zip.read(zip.entries[0]!))).toBe('corrupt-zip');
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(16 << 20);
  });

  it('charges every inflated entry to one budget for the archive', () => {
    const files = Array.from({ length: 4 }, (_, i) => ({ name: `a/data/${i}`, data: new Uint8Array(1 << 20), method: 8 as const }));
    const budget = { inflateBytes: 3.5 * (1 << 20) };
    const zip = openZip(writeZip({ files }), budget);
    for (const e of zip.entries.slice(0, 3)) zip.read(e);
    expect(budget.inflateBytes).toBe(0.5 * (1 << 20));
    expect(codeOf(() => zip.read(zip.entries[3]!))).toBe('limit-exceeded');
  });
});
