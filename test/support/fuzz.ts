/**
 * Mutation fuzzing of the `.pt` reader: valid files with bytes flipped, cut, duplicated or overwritten
 * with boundary values must only ever give the reader's own `StudioError`, quickly.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { saveHypernetwork, type TensorSpec } from '../../bench/torch-save.ts';
import { isStudioError } from '../../src/core/errors.ts';
import { readHypernetwork } from '../../src/core/hypernetwork/index.ts';

export const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'hypernetwork');

/** mulberry32: small, seedable, good enough to pick mutations */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function tinyModule(): TensorSpec[] {
  return [
    { key: 'linear.0.weight', shape: [16, 8], data: new Float32Array(128).fill(0.1) },
    { key: 'linear.0.bias', shape: [16], data: new Float32Array(16) },
    { key: 'linear.1.weight', shape: [8, 16], data: new Float32Array(128).fill(-0.1) },
    { key: 'linear.1.bias', shape: [8], data: new Float32Array(8) },
  ];
}

/** A small file written by our torch.save writer, plus every small valid fixture. */
export function seedFiles(): Uint8Array[] {
  const seeds = [saveHypernetwork({ name: 'seed', layerStructure: [1, 2, 1], modules: new Map([[8, [tinyModule(), tinyModule()]]]) })];
  let names: string[] = [];
  try {
    names = readdirSync(FIXTURES).filter((n) => n.endsWith('.pt'));
  } catch {
    return seeds;
  }
  for (const name of names) {
    const expected = JSON.parse(readFileSync(join(FIXTURES, name.replace(/\.pt$/, '.expected.json')), 'utf8')) as { error?: string };
    const bytes = new Uint8Array(readFileSync(join(FIXTURES, name)));
    if (!expected.error && bytes.length < 256 * 1024) seeds.push(bytes);
  }
  return seeds;
}

const BOUNDARY = [0x00, 0xff, 0x7f, 0x80, 0x28, 0x2e, 0x63, 0x52, 0x71, 0x4a];

/** One random byte-level mutation: bit flips, boundary bytes, a cut, a huge 32-bit field, a duplicated or random range. */
export function mutate(src: Uint8Array, r: () => number): Uint8Array {
  const b = src.slice();
  const at = () => Math.floor(r() * b.length);
  switch (Math.floor(r() * 6)) {
    case 0: // flip a few bits
      for (let i = 0, n = 1 + Math.floor(r() * 8); i < n; i++) b[at()]! ^= 1 << Math.floor(r() * 8);
      return b;
    case 1: // boundary bytes
      for (let i = 0, n = 1 + Math.floor(r() * 4); i < n; i++) b[at()] = BOUNDARY[Math.floor(r() * BOUNDARY.length)]!;
      return b;
    case 2: // truncate
      return b.subarray(0, at());
    case 3: { // overwrite a 32-bit field with a huge value (sizes, offsets, counts)
      const i = at() & ~3;
      if (i + 4 <= b.length) new DataView(b.buffer).setUint32(i, r() < 0.5 ? 0xffffffff : 0x7fffffff, true);
      return b;
    }
    case 4: { // duplicate a range
      const i = at();
      const n = Math.floor(r() * 64);
      const out = new Uint8Array(b.length + n);
      out.set(b.subarray(0, i));
      out.set(b.subarray(i, i + n), i);
      out.set(b.subarray(i), i + n);
      return out;
    }
    default: // random bytes over a range
      for (let i = at(), n = Math.floor(r() * 32); n > 0 && i < b.length; n--, i++) b[i] = Math.floor(r() * 256);
      return b;
  }
}

export interface FuzzReport {
  cases: number;
  accepted: number;
  rejected: number;
  slowestMs: number;
}

/** Throws on the first mutated file that gives anything but a StudioError. */
export function fuzzReader(count: number, seed: number): FuzzReport {
  const r = rng(seed);
  const seeds = seedFiles();
  const report: FuzzReport = { cases: 0, accepted: 0, rejected: 0, slowestMs: 0 };
  for (let i = 0; i < count; i++) {
    const input = mutate(seeds[i % seeds.length]!, r);
    // CPU time of this process, not wall-clock: other work on the machine does not make a case look slow
    const t0 = process.cpuUsage();
    try {
      readHypernetwork(input, 'fuzz.pt');
      report.accepted++;
    } catch (e) {
      if (!isStudioError(e)) throw new Error(`fuzz case ${i} (seed ${seed}) escaped with ${(e as Error)?.name}: ${(e as Error)?.message}`, { cause: e });
      report.rejected++;
    }
    const used = process.cpuUsage(t0);
    report.slowestMs = Math.max(report.slowestMs, (used.user + used.system) / 1000);
    report.cases++;
  }
  return report;
}
