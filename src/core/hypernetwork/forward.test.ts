import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { saveHypernetwork, type TensorSpec } from '../../../bench/torch-save.ts';
import { erf } from './activations.ts';
import { allWarnings, applyHypernetworks, forwardModule, readHypernetwork } from './index.ts';

const FIXTURES = join(import.meta.dirname, '../../../test/fixtures/hypernetwork');
const fixture = (name: string) => readHypernetwork(new Uint8Array(readFileSync(join(FIXTURES, name))), name);

describe('applyHypernetworks (A1111 apply_hypernetworks)', () => {
  const a = fixture('layout-02-linear.pt'); // widths 8, 12, 16, 20
  const b = fixture('layout-05-act-ln.pt');
  const width = b.sizes.find((s) => a.sizes.includes(s))!;
  const x = Float32Array.from({ length: 3 * width }, (_, i) => Math.sin(i));

  it('keeps the K and V chains apart and applies hypernetworks in order', () => {
    const { k, v } = applyHypernetworks([{ hypernetwork: a, strength: 0.5 }, { hypernetwork: b, strength: -1 }], x, width);
    const [ak, av] = a.modules.get(width)!;
    const [bk, bv] = b.modules.get(width)!;
    expect(k).toEqual(forwardModule(bk, forwardModule(ak, x, 0.5), -1));
    expect(v).toEqual(forwardModule(bv, forwardModule(av, x, 0.5), -1));
    expect(k).not.toEqual(v);
  });

  it('passes through widths a hypernetwork lacks, and strength 0 is the identity', () => {
    expect(applyHypernetworks([{ hypernetwork: a, strength: 1 }], x, 7).k).toBe(x);
    expect(applyHypernetworks([{ hypernetwork: a, strength: 0 }], x, width).v).toEqual(x);
  });
});

describe('NaN/Inf weights', () => {
  it('are reported as warnings naming the tensor', () => {
    const mod = (poison: boolean): TensorSpec[] => [
      { key: 'linear.0.weight', shape: [8, 4], data: new Float32Array(32).fill(poison ? NaN : 0.1) },
      { key: 'linear.0.bias', shape: [8], data: new Float32Array(8).fill(poison ? Infinity : 0) },
      { key: 'linear.1.weight', shape: [4, 8], data: new Float32Array(32) },
      { key: 'linear.1.bias', shape: [4], data: new Float32Array(4) },
    ];
    const bytes = saveHypernetwork({ name: 'nan', layerStructure: [1, 2, 1], modules: new Map([[4, [mod(false), mod(true)]]]) });
    const hn = readHypernetwork(bytes, 'nan.pt');
    expect(allWarnings(hn)).toEqual([
      'Width 4 V module: linear.0.weight has 32 NaN and 0 infinite values; images will break.',
      'Width 4 V module: linear.0.bias has 0 NaN and 8 infinite values; images will break.',
    ]);
  });
});

describe('erf', () => {
  it.each([
    [0, 0],
    [0.5, 0.5204998778130465],
    [1, 0.8427007929497149],
    [2.9, 0.9999589021219005],
    [3.5, 0.9999992569016276],
    [-1.5, -0.9661051464753108],
  ])('erf(%f) to 1e-12', (x, y) => expect(erf(x)).toBeCloseTo(y, 12));
});
