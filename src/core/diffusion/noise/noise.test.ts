import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { loadRef } from '../../../../test/reference/diffusion/load.ts';
import { fmaf, f32Bits, f32FromBits } from './f32math.ts';
import { TorchGenerator } from './generator.ts';
import { batchSeeds, ImageRng } from './image-rng.ts';
import { MT19937, seedToU32 } from './mt19937.ts';

const hex = (a: ArrayLike<number>) => Array.from(a, (v) => f32Bits(v).toString(16).padStart(8, '0'));
const sha = (a: Float32Array) => createHash('sha256').update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength)).digest('hex');

describe('mt19937 (torch-randn.md §1-2 table)', () => {
  it('gives the documented first words, float and double uniforms', () => {
    const table: [number, number[], number[], number][] = [
      [0, [2357136044, 2546248239, 3071714933, 3626093760], [0.49625658988952637, 0.7682217955589294, 0.08847743272781372, 0.13203048706054688], 0.9700530018065531],
      [1, [1791095845, 4282876139, 3093770124, 4005303368], [0.7576315999031067, 0.2793108820915222, 0.40306925773620605, 0.7346844673156738], 0.06105327471962363],
      [42, [1608637542, 3421126067, 4083286876, 787846414], [0.8822692632675171, 0.9150039553642273, 0.38286375999450684, 0.9593056440353394], 0.05815448596142969],
    ];
    for (const [seed, words, floats, dbl] of table) {
      const mt = new MT19937(seed);
      expect(words.map(() => mt.nextU32())).toEqual(words);
      const g = new TorchGenerator(seed);
      expect(floats.map(() => g.uniformFloat())).toEqual(floats);
      expect(new TorchGenerator(seed).uniformDouble()).toBe(dbl);
    }
  });

  it('keeps only the low 32 bits of the uint64 seed', () => {
    expect(seedToU32(2 ** 32)).toBe(0);
    expect(seedToU32(-1)).toBe(4294967295);
    expect(seedToU32((1n << 63n) - 1n)).toBe(4294967295);
    expect(seedToU32((1n << 64n) - 1n)).toBe(4294967295);
    expect(() => seedToU32(1n << 64n)).toThrow(expect.objectContaining({ code: 'bad-request' }));
    expect(() => seedToU32(0.5)).toThrow(expect.objectContaining({ code: 'bad-request' }));
  });
});

describe('float32 fma emulation', () => {
  it('rounds once, also when the double sum lands exactly on a float32 midpoint', () => {
    // a*b = 2^-24 - 2^-54, c = 1 + 2^-23: the exact sum is just below the midpoint 1 + 3*2^-24, but the
    // double sum rounds onto it, and a plain Math.fround would then tie to even (up to 1 + 2^-22).
    const a = 1 + 2 ** -15;
    const b = 2 ** -24 * (1 - 2 ** -15);
    const c = 1 + 2 ** -23;
    expect(Math.fround(a * b + c)).toBe(f32FromBits(0x3f800002));
    expect(fmaf(a, b, c)).toBe(f32FromBits(0x3f800001));
    expect(fmaf(1, 2 ** -24, 1)).toBe(1); // exact tie: ties-to-even
    expect(fmaf(-2, 0, 0)).toBe(0);
  });
});

describe('torch.randn, torch-randn.md §7 table', () => {
  // [seed, shape, draw, first 4 hex, last 2 hex]
  const table: [number | bigint, number[], number, string[], string[]][] = [
    [0, [1], 1, ['3fc53f5c'], ['3fc53f5c']],
    [0, [1], 2, ['be963c50'], ['be963c50']],
    [0, [5], 1, ['3fc53f5c', 'be963c50', 'c00b7149', '3f1184b6'], ['3f1184b6', 'bf8ad1a1']],
    [0, [5], 2, ['bfb3052d', '3ece837a', '3f5688e5', 'bf382144'], ['bf382144', 'bece830b']],
    [0, [15], 2, ['3dfb4aca', 'bf10fa2f', '3ebf08e2', 'bf6459ce'], ['bcab0b6e', 'bf37ee4f']],
    [0, [16], 1, ['bf901b85', 'bf93808a', 'be804bd6', 'bede255d'], ['3f8ef28e', 'be7d367c']],
    [0, [17], 1, ['bf901b85', 'bfd91446', '3f111004', '3f4b235d'], ['bf57fb33', '3f6e8c30']],
    [0, [17], 2, ['3d016764', '3f8715f4', '3e361caa', 'be6bdd10'], ['bfa9a448', '3e411430']],
    [42, [4, 8, 8], 2, ['bf2f7bb9', '3f104567', 'bfc0eb1d', 'bfce2a4e'], ['bead8415', '3f0499e7']],
    [1234, [2, 4, 8, 8], 1, ['bde4ccb4', 'befe410f', '3e26fccb', 'bf61b64a'], ['bf2a881a', 'bf1e3462']],
    [0, [1, 4, 64, 64], 1, ['bf901b85', 'bf93808a', 'be804bd6', 'bede255d'], ['bfaee87b', 'bf8a02b8']],
    [0, [1, 4, 64, 64], 2, ['bf0d4521', '3fc51868', '3f80749d', 'bf4b7752'], ['3e972769', '3f900c51']],
    [1, [3, 7, 11], 2, ['3aae803e', '3e13dea1', '3f46f483', 'c015a3a3'], ['c00cb2ca', '3e92814a']],
    [4294967295, [16], 2, ['3fe58e21', 'bf6067e3', 'bfd2b169', 'bf09cb50'], ['be24d0ea', '3ffbe3de']],
    [(1n << 63n) - 1n, [16], 1, ['c02a83da', 'bf8ba77b', '3ee7241e', '3e69d763'], ['3f577f53', '3e104a9c']],
  ];
  it.each(table)('seed %s shape %j draw %i', (seed, shape, draw, first, last) => {
    const g = new TorchGenerator(seed);
    let t = g.randn(shape);
    for (let d = 1; d < draw; d++) t = g.randn(shape);
    expect(hex(t.slice(0, first.length))).toEqual(first);
    expect(hex(t.slice(-2))).toEqual(last);
  });
});

interface RandnRef {
  torch: string;
  cases: { seed: string; shape: number[]; draws: { head: number[]; tail: number[]; sha256: string; all?: number[] }[] }[];
  sequences: { seed: number; sizes: number[]; values: number[][] }[];
  batches: { seed: number; count: number; shape: number[]; draws: { sha256: string; head: number[] }[] }[];
}

describe('torch.randn vs fresh PyTorch references (test/reference/diffusion/randn.json)', () => {
  const ref = loadRef<RandnRef>('randn.json');

  it('matches every seed x shape x 3 consecutive draws bit for bit (sha256 of the float32 buffer)', () => {
    expect(ref.cases.length).toBeGreaterThanOrEqual(100);
    for (const c of ref.cases) {
      const g = new TorchGenerator(BigInt(c.seed));
      for (const d of c.draws) {
        const t = g.randn(c.shape);
        const where = `seed ${c.seed} shape ${c.shape.join('x')}`;
        expect(Array.from(t.slice(0, 8)), where).toEqual(d.head);
        expect(Array.from(t.slice(-8)), where).toEqual(d.tail);
        if (d.all) expect(Array.from(t), where).toEqual(d.all);
        expect(sha(t), where).toBe(d.sha256);
      }
    }
  });

  it('keeps the scalar Box-Muller cache across mixed-size draws', () => {
    for (const s of ref.sequences) {
      const g = new TorchGenerator(s.seed);
      s.sizes.forEach((n, k) => expect(Array.from(g.randn([n])), `seed ${s.seed} draw ${k}`).toEqual(s.values[k]));
    }
  });

  it('draws A1111 batches with one generator per image (seed, seed+1, …), in order', () => {
    for (const b of ref.batches) {
      const rng = new ImageRng({ shape: b.shape, seeds: batchSeeds(b.seed, b.count) });
      for (const d of b.draws) {
        const t = rng.next();
        expect(Array.from(t.slice(0, 4))).toEqual(d.head);
        expect(sha(t)).toBe(d.sha256);
      }
      expect(rng.drawCount).toBe(3);
    }
  });
});

describe('ImageRng', () => {
  it('reseeds with seed + ENSD after the first draw', () => {
    const rng = new ImageRng({ shape: [4, 2, 2], seeds: [10], ensd: 31337 });
    const first = rng.next();
    expect(first).toEqual(new TorchGenerator(10).randn([4, 2, 2]));
    expect(rng.next()).toEqual(new TorchGenerator(10 + 31337).randn([4, 2, 2]));
  });

  it('supports bigint seeds', () => {
    expect(batchSeeds(4294967295n, 2)).toEqual([4294967295n, 4294967296n]);
    const rng = new ImageRng({ shape: [16], seeds: batchSeeds(4294967295n, 2) });
    const t = rng.next();
    expect(t.slice(16)).toEqual(new TorchGenerator(0).randn([16]));
  });
});
