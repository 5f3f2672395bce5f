/**
 * Every fixture written by real PyTorch (tools/fixtures/make_fixtures.py): metadata and layout as A1111,
 * every tensor bit-exact, forward within 1e-6 relative of torch, and each bad file → its specific error.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isStudioError } from '../errors.ts';
import { forwardModule, inspectHypernetwork, readHypernetwork, type Hypernetwork, type Weight } from './index.ts';

const DIR = join(import.meta.dirname, '../../../test/fixtures/hypernetwork');

interface Expected {
  inspect?: ReturnType<typeof inspectHypernetwork>;
  tensors?: Record<string, { shape: number[]; dtype: string; sha256Raw: string; sha256F32: string }>;
  forward?: Record<string, { input: number[][]; multiplier: number; k: number[][]; v: number[][] }>;
  error?: string;
  messageIncludes?: string;
}

const index = JSON.parse(readFileSync(join(DIR, 'index.json'), 'utf8')) as { fixtures: { file: string; valid: boolean; description: string }[] };
const load = (file: string): { bytes: Uint8Array; expected: Expected } => ({
  bytes: new Uint8Array(readFileSync(join(DIR, file))),
  expected: JSON.parse(readFileSync(join(DIR, file.replace(/\.pt$/, '.expected.json')), 'utf8')) as Expected,
});
const sha256 = (b: ArrayBufferView): string => createHash('sha256').update(new Uint8Array(b.buffer, b.byteOffset, b.byteLength)).digest('hex');

function weights(hn: Hypernetwork): Map<string, Weight> {
  const out = new Map<string, Weight>();
  for (const size of hn.sizes) {
    hn.modules.get(size)!.forEach((m, which) => {
      for (const l of m.layers) {
        const p = `${size}.${which}.linear.${l.index}`;
        if (l.type === 'linear' || l.type === 'layernorm') {
          out.set(`${p}.weight`, l.weight);
          out.set(`${p}.bias`, l.bias);
        } else if (l.type === 'activation' && l.weight) out.set(`${p}.weight`, l.weight);
      }
    });
  }
  return out;
}

/** max |a − b| / max |b|: error relative to the output's scale (torch itself sums in float32) */
function maxRelError(a: Float32Array, b: number[]): number {
  let worst = 0;
  let scale = 0;
  b.forEach((x, i) => {
    worst = Math.max(worst, Math.abs(a[i]! - x));
    scale = Math.max(scale, Math.abs(x));
  });
  return worst / scale;
}

describe.each(index.fixtures.filter((f) => f.valid))('valid fixture $file', ({ file, description }) => {
  const { bytes, expected } = load(file);
  const hn = readHypernetwork(bytes, file);

  it(`reads metadata and layout as A1111 (${description.slice(0, 60)})`, () => {
    expect(inspectHypernetwork(hn)).toEqual(expected.inspect);
  });

  it('decodes every tensor bit-exactly', () => {
    const got = weights(hn);
    expect([...got.keys()].sort()).toEqual(Object.keys(expected.tensors!).sort());
    for (const [key, t] of Object.entries(expected.tensors!)) {
      const w = got.get(key)!;
      expect({ key, shape: w.shape, dtype: w.dtype }).toEqual({ key, shape: t.shape, dtype: t.dtype });
      expect({ key, raw: sha256(w.raw), f32: sha256(w.data) }).toEqual({ key, raw: t.sha256Raw, f32: t.sha256F32 });
    }
  });

  it('runs the forward within 1e-6 of torch', () => {
    for (const [size, f] of Object.entries(expected.forward!)) {
      const [k, v] = hn.modules.get(Number(size))!;
      const x = Float32Array.from(f.input.flat());
      expect(maxRelError(forwardModule(k, x, f.multiplier), f.k.flat()), `K ${size}`).toBeLessThanOrEqual(1e-6);
      expect(maxRelError(forwardModule(v, x, f.multiplier), f.v.flat()), `V ${size}`).toBeLessThanOrEqual(1e-6);
    }
  });
});

describe.each(index.fixtures.filter((f) => !f.valid))('bad fixture $file', ({ file }) => {
  it('gives its specific StudioError', () => {
    const { bytes, expected } = load(file);
    let error: unknown;
    try {
      readHypernetwork(bytes, file);
    } catch (e) {
      error = e;
    }
    expect(isStudioError(error), String(error)).toBe(true);
    const e = error as { code: string; message: string };
    expect(e.code).toBe(expected.error);
    expect(e.message.toLowerCase()).toContain(expected.messageIncludes!.toLowerCase());
  });
});
