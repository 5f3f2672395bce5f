import { describe, expect, it } from 'vitest';
import { loadRef } from '../../../../test/reference/diffusion/load.ts';
import { scaledErr } from '../../../../test/support/fake-unet.ts';
import { ImageRng, pasteResizedNoise, slerp, variationSeeds } from './index.ts';

interface Case {
  shape: number[];
  seeds: number[];
  subseeds: number[] | null;
  strength: number;
  resize_h: number;
  resize_w: number;
  ensd: number;
  first: number[];
  second: number[];
}
const ref = loadRef<{ cases: Case[] }>('variation.json');

describe("variation seeds and seed resize vs A1111's ImageRNG (variation.json)", () => {
  for (const c of ref.cases) {
    const name = `seeds ${c.seeds} subseeds ${c.subseeds} strength ${c.strength} resize ${c.resize_w}x${c.resize_h} -> [${c.shape}]`;
    it(name, () => {
      const rng = new ImageRng({
        shape: c.shape,
        seeds: c.seeds,
        ...(c.subseeds ? { subseeds: c.subseeds } : {}),
        subseedStrength: c.strength,
        seedResizeFrom: { width: c.resize_w, height: c.resize_h },
        ensd: c.ensd,
      });
      const first = rng.next();
      if (c.strength === 0) expect(Array.from(first)).toEqual(c.first); // plain draws and pastes: bit for bit
      else expect(scaledErr(first, c.first)).toBeLessThan(1e-6); // slerp's float32 reductions: within an ulp or two
      expect(Array.from(rng.next())).toEqual(c.second); // later draws from seed + ENSD
    });
  }
});

describe('variation helpers', () => {
  it("A1111's batch seeds: a variation keeps the seed and counts the subseed up", () => {
    expect(variationSeeds(100, 7, 0.3, 3)).toEqual({ seeds: [100, 100, 100], subseeds: [7, 8, 9] });
    expect(variationSeeds(100, 7, 0, 3)).toEqual({ seeds: [100, 101, 102], subseeds: [7, 8, 9] });
  });
  it('slerp at strength 0 and 1 returns the ends; nearly parallel noise takes the (swapped) lerp', () => {
    const a = Float32Array.from({ length: 2 * 3 * 2 }, (_, i) => Math.sin(i + 1));
    const b = Float32Array.from({ length: 2 * 3 * 2 }, (_, i) => Math.cos(3 * i));
    const s0 = slerp(0, a, b, [2, 3, 2]);
    const s1 = slerp(1, a, b, [2, 3, 2]);
    s0.forEach((v, i) => expect(v).toBeCloseTo(a[i]!, 5));
    s1.forEach((v, i) => expect(v).toBeCloseTo(b[i]!, 5));
    // identical inputs: dot = 1 > 0.9995 -> low * val + high * (1 - val) = the input
    expect(Array.from(slerp(0.3, a, a, [2, 3, 2]))).toEqual(Array.from(a, (v) => Math.fround(Math.fround(v * Math.fround(0.3)) + Math.fround(v * Math.fround(0.7)))));
  });
  it('pastes the old-size noise centred, cropping when it is bigger', () => {
    const target = new Float32Array(1 * 4 * 4);
    const src = Float32Array.from({ length: 2 * 2 }, (_, i) => i + 1);
    expect(Array.from(pasteResizedNoise(target, [1, 4, 4], src, [1, 2, 2]))).toEqual([0, 0, 0, 0, 0, 1, 2, 0, 0, 3, 4, 0, 0, 0, 0, 0]);
    const big = Float32Array.from({ length: 4 * 4 }, (_, i) => i);
    expect(Array.from(pasteResizedNoise(new Float32Array(4), [1, 2, 2], big, [1, 4, 4]))).toEqual([5, 6, 9, 10]);
    // odd differences: Python's floor division; a source 5 wide in 2 columns fills one (A1111's w = 5 + 2 * -2)
    const row = Float32Array.from([1, 2]);
    expect(Array.from(pasteResizedNoise(new Float32Array(5).fill(-1), [1, 1, 5], row, [1, 1, 2]))).toEqual([-1, 1, 2, -1, -1]);
    const wide = Float32Array.from([1, 2, 3, 4, 5]);
    expect(Array.from(pasteResizedNoise(new Float32Array(2).fill(-1), [1, 1, 2], wide, [1, 1, 5]))).toEqual([3, -1]);
  });
  it('refuses variation on a batched shape', () => {
    expect(() => new ImageRng({ shape: [1, 4, 8, 8], seeds: [1], subseedStrength: 0.5 })).toThrow(expect.objectContaining({ code: 'bad-request' }));
  });
});
