/**
 * Structure-aware fuzzing of every parser a user's file or text reaches, from a fixed seed:
 *   - zip: directory/local-header lies, aliases, method and descriptor changes, rebuilt by `zip-writer.ts`;
 *   - pickle: opcode-level mutations of data.pkl, re-zipped with correct CRCs so the unpickler sees them;
 *   - bytes: flips, cuts, duplications and boundary values over whole files (the old reader fuzzer);
 *   - png: text chunks of every kind with mutated bodies, lengths, CRCs and small bombs;
 *   - prompt / infotext: strings from their syntax's alphabet, some repeated into long runs.
 * Seeds: the reader fuzzer's (ours plus the small valid fixtures). Every case must end as valid or as a
 * StudioError (`runInput` rethrows anything else); the report keeps the slowest case's CPU time.
 */
import { isZip, openZip } from '../../src/core/formats/zip.ts';
import { mutate, rng, seedFiles } from '../support/fuzz.ts';
import { runInput } from './corpus.ts';
import { deflateBomb, zlibBomb } from './deflate-bomb.ts';
import { iTXt, pngWith, tEXt, zTXt, type ChunkSpec } from './png-writer.ts';
import type { Kind } from './recipe.ts';
import { writeZip, type ZipFileSpec, type ZipSpec } from './zip-writer.ts';

type Rand = () => number;
const pick = <T>(r: Rand, items: readonly T[]): T => items[Math.floor(r() * items.length)]!;
const int = (r: Rand, n: number): number => Math.floor(r() * n);
const BOUNDARY = [0, 1, 0x7f, 0x80, 0xff, 0xffff, 0x7fffffff, 0xffffffff, 2 ** 31, 2 ** 40];

/** A zip's entries as writer specs (honest: the mutations add the lies). */
function entriesOf(bytes: Uint8Array): ZipFileSpec[] {
  const zip = openZip(bytes);
  return zip.entries.map((e) => ({ name: e.name, data: zip.read(e).slice(), method: e.method === 8 ? (8 as const) : (0 as const) }));
}

function mutateZip(files: ZipFileSpec[], r: Rand): ZipSpec {
  const spec: ZipSpec = { files: files.map((f) => ({ ...f })), zip64: r() < 0.8 };
  for (let n = 1 + int(r, 3); n > 0; n--) {
    const f = pick(r, spec.files);
    switch (int(r, 9)) {
      case 0: f.central = { ...f.central, [pick(r, ['size', 'compressedSize', 'crc', 'offset'] as const)]: pick(r, BOUNDARY) }; break;
      case 1: f.local = { ...f.local, [pick(r, ['size', 'compressedSize', 'crc', 'flags', 'method'] as const)]: pick(r, BOUNDARY) & 0xffffffff }; break;
      case 2: f.local = { ...f.local, name: `${f.name.slice(0, -1)}x` }; break;
      case 3: f.method = f.method === 8 ? 0 : 8; break;
      case 4: f.descriptor = !(f.descriptor ?? true); break;
      case 5: spec.aliases = [...(spec.aliases ?? []), { name: `${f.name}-alias${int(r, 99)}`, of: f.name }]; break;
      case 6: f.descriptorBytes = Uint8Array.from({ length: int(r, 24) }, () => int(r, 256)); break;
      case 7: spec.claimedCount = pick(r, [0, 1, spec.files.length + 1, 65535, 2 ** 33]); break;
      default: {
        const { stream, size } = deflateBomb(int(r, 4) << 20);
        Object.assign(f, { method: 8, stream, ...(r() < 0.5 ? { central: { size } } : {}) });
      }
    }
  }
  return spec;
}

const OPCODES = [0x28, 0x29, 0x2e, 0x30, 0x31, 0x32, 0x4e, 0x5d, 0x61, 0x65, 0x6c, 0x74, 0x75, 0x73, 0x7d, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8f, 0x90, 0x91, 0x94, 0x52, 0x62, 0x81, 0x51];

function mutatePickle(src: Uint8Array, r: Rand): Uint8Array {
  let b = src.slice();
  for (let n = 1 + int(r, 4); n > 0; n--) {
    const at = int(r, b.length);
    switch (int(r, 6)) {
      case 0: { // insert an opcode sequence
        const ops = Array.from({ length: 1 + int(r, 6) }, () => pick(r, OPCODES));
        const out = new Uint8Array(b.length + ops.length);
        out.set(b.subarray(0, at));
        out.set(ops, at);
        out.set(b.subarray(at), at + ops.length);
        b = out;
        break;
      }
      case 1: // delete a range
        b = Uint8Array.from([...b.subarray(0, at), ...b.subarray(at + 1 + int(r, 16))]);
        break;
      case 2: // an int argument becomes a boundary value (BININT1/2/4 arguments follow their opcode)
        for (let i = at; i < b.length - 5; i++) {
          if (b[i] === 0x4b || b[i] === 0x4d || b[i] === 0x4a) {
            new DataView(b.buffer).setUint32(i + 1, pick(r, BOUNDARY) >>> 0, true);
            break;
          }
        }
        break;
      case 3: { // repeat a range many times (repeated structure: memo gets, appends, nesting)
        const len = 1 + int(r, 12);
        const times = 1 + int(r, 2000);
        const piece = b.subarray(at, at + len);
        const out = new Uint8Array(b.length + piece.length * times);
        out.set(b.subarray(0, at));
        for (let t = 0; t < times; t++) out.set(piece, at + t * piece.length);
        out.set(b.subarray(at), at + piece.length * times);
        b = out;
        break;
      }
      case 4: // memo get of a random index
        b[at] = pick(r, [0x68, 0x6a]);
        break;
      default:
        b[at] = int(r, 256);
    }
  }
  return b;
}

const PARAMS = 'a (cat:1.2) <hypernet:stripes:0.8>\nNegative prompt: blurry\nSteps: 20, Sampler: Euler a, CFG scale: 7, Seed: 42, Size: 512x512';

function fuzzPng(r: Rand): Uint8Array {
  const chunks: ChunkSpec[] = [];
  for (let n = 1 + int(r, 4); n > 0; n--) {
    const text = r() < 0.5 ? PARAMS : fuzzText(r, INFOTEXT_PIECES, 200);
    const keyword = pick(r, ['parameters', 'Software', '', 'k'.repeat(90), 'x']);
    let c = pick(r, [tEXt(keyword, text), zTXt(keyword, text), iTXt(keyword, text), iTXt(keyword, text, { compressed: true }), zTXt(keyword, '', zlibBomb(int(r, 3) << 20))]);
    if (r() < 0.5) c = { ...c, data: mutate(c.data, r) };
    if (r() < 0.2) c = { ...c, crc: int(r, 2 ** 32) };
    if (r() < 0.1) c = { ...c, length: pick(r, BOUNDARY) >>> 0 };
    chunks.push(c);
  }
  const png = pngWith(chunks);
  return r() < 0.2 ? png.subarray(0, int(r, png.length)) : png;
}

const PROMPT_PIECES = ['(', ')', '[', ']', ':', ':1.5)', ':1e5)', '\\', '\\(', 'a', 'cat', ' ', '\t', 'BREAK', ',', '<', '>', '<hypernet:x:0.5>', '<a:', ':9999999999)', '猫', '\u200d', '((', '))'];
const INFOTEXT_PIECES = ['Steps', ': ', '20', ', ', '"', '\\"', '\\', 'Sampler', 'Euler a', '\n', 'Negative prompt:', ' ', 'a b', '-', '/', ':', ','];

function fuzzText(r: Rand, pieces: readonly string[], maxPieces: number): string {
  const base = Array.from({ length: int(r, maxPieces) }, () => pick(r, pieces)).join('');
  // one in four: a short pattern repeated into a long run (the shape of every super-linear attack)
  return r() < 0.25 ? base + pick(r, pieces).repeat(int(r, 20_000)) + base : base;
}

export interface FuzzReport {
  cases: number;
  byKind: Record<string, number>;
  valid: number;
  rejected: number;
  slowestCpuMs: number;
  slowest: string;
}

/** Runs `count` cases from `seed`; throws on the first that ends in anything but valid or a StudioError. */
export function fuzzAll(count: number, seed: number): FuzzReport {
  const r = rng(seed);
  const seeds = seedFiles();
  const seedEntries = seeds.filter(isZip).map(entriesOf);
  const report: FuzzReport = { cases: 0, byKind: {}, valid: 0, rejected: 0, slowestCpuMs: 0, slowest: '' };
  const strategies: [string, Kind, () => Uint8Array][] = [
    ['zip', 'pt', () => writeZip(mutateZip(pick(r, seedEntries), r))],
    ['pickle', 'pt', () => {
      const files = pick(r, seedEntries).map((f) => ({ ...f }));
      const pkl = files.find((f) => f.name.endsWith('/data.pkl'))!;
      pkl.data = mutatePickle(pkl.data, r);
      return writeZip({ files });
    }],
    ['bytes', 'pt', () => mutate(pick(r, seeds), r)],
    ['png', 'png', () => fuzzPng(r)],
    ['prompt', 'prompt', () => new TextEncoder().encode(fuzzText(r, PROMPT_PIECES, 400))],
    ['infotext', 'infotext', () => new TextEncoder().encode(fuzzText(r, INFOTEXT_PIECES, 400))],
  ];
  for (let i = 0; i < count; i++) {
    const [name, kind, make] = strategies[i % strategies.length]!;
    const input = make();
    const cpu = process.cpuUsage();
    let outcome: string;
    try {
      outcome = runInput(kind, input).outcome;
    } catch (e) {
      throw new Error(`fuzz case ${i} (${name}, seed ${seed}) escaped with ${(e as Error)?.name}: ${(e as Error)?.message}`, { cause: e });
    }
    const used = process.cpuUsage(cpu);
    const ms = (used.user + used.system) / 1000;
    if (ms > report.slowestCpuMs) [report.slowestCpuMs, report.slowest] = [ms, `${name} #${i}`];
    if (outcome === 'valid' || outcome.startsWith('skipped:')) report.valid++;
    else report.rejected++;
    report.byKind[name] = (report.byKind[name] ?? 0) + 1;
    report.cases++;
  }
  return report;
}
