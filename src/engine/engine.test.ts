import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isStudioError } from '../core/errors.ts';
import { deviceLostError } from './device-watch.ts';
import { Engine } from './engine.ts';

const FIXTURE_DIR = path.resolve(process.env.HN_FIXTURE_DIR ?? 'test/fixtures/hypernetwork');
const SUFFIX = '.expected.json';

interface Fixture {
  fileName: string;
  expected: { inspect?: Record<string, unknown>; error?: string; warnings?: unknown };
}

function fixtures(): Fixture[] {
  if (!existsSync(FIXTURE_DIR)) return [];
  return readdirSync(FIXTURE_DIR)
    .filter((n) => n.endsWith(SUFFIX))
    .sort()
    .map((json) => ({
      fileName: `${json.slice(0, -SUFFIX.length)}.pt`,
      expected: JSON.parse(readFileSync(path.join(FIXTURE_DIR, json), 'utf8')) as Fixture['expected'],
    }))
    .filter((f) => existsSync(path.join(FIXTURE_DIR, f.fileName)));
}

const all = fixtures();
const valid = all.filter((f) => f.expected.inspect);
const bad = all.filter((f) => typeof f.expected.error === 'string');

/** A fresh ArrayBuffer, as `File.arrayBuffer()` gives the page. */
function bytesOf(fileName: string): ArrayBuffer {
  const buf = readFileSync(path.join(FIXTURE_DIR, fileName));
  return buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
}

describe.skipIf(all.length === 0)(`Engine.inspectHypernetwork on ${FIXTURE_DIR}`, () => {
  const engine = new Engine();

  it.each(valid.map((f) => [f.fileName, f] as const))('%s: the inspect facts plus file facts', async (fileName, f) => {
    const bytes = bytesOf(fileName);
    const card = await engine.inspectHypernetwork({ name: fileName, bytes });
    expect(card).toMatchObject(f.expected.inspect ?? {});
    expect(card.fileName).toBe(fileName);
    expect(card.fileSize).toBe(bytes.byteLength);
    expect(Object.keys(card.sizeRoles).map(Number)).toEqual(card.sizes);
    expect(Array.isArray(card.warnings)).toBe(true);
    // the card crosses the worker boundary by structured clone
    expect(structuredClone(card)).toEqual(card);
  });

  it.each(bad.map((f) => [f.fileName, f] as const))('%s: rejects with its StudioError code', async (fileName, f) => {
    const error = await engine.inspectHypernetwork({ name: fileName, bytes: bytesOf(fileName) }).catch((e: unknown) => e);
    expect(isStudioError(error)).toBe(true);
    expect(error).toMatchObject({ code: f.expected.error });
  });
});

describe('deviceLostError', () => {
  it('names the loss with the device’s own reason and message, and what the run reported', async () => {
    const e = deviceLostError({ reason: 'destroyed', message: 'Device was destroyed.' }, new Error('Failed to download data from buffer.'));
    expect(e.code).toBe('device-lost');
    expect(e.message).toBe('The GPU device was lost (reason: destroyed; Device was destroyed.). The run failed with: Failed to download data from buffer.');
    expect(e.details).toEqual({ reason: 'destroyed', deviceMessage: 'Device was destroyed.' });
    expect(deviceLostError({}).message).toBe('The GPU device was lost (reason: unknown).');
  });
});

describe('Engine.adapterFacts', () => {
  it("probes the realm's WebGPU adapter without loading anything, or says why there is none", async () => {
    const gpu = {
      requestAdapter: async () => ({
        features: new Set(['shader-f16']),
        limits: { maxBufferSize: 2 ** 31, maxStorageBufferBindingSize: 2 ** 30 },
        info: { vendor: 'nvidia', architecture: 'ampere', isFallbackAdapter: false },
      }),
    };
    const facts = await new Engine({ gpu }).adapterFacts();
    expect(facts).toEqual({ device: { name: 'nvidia ampere', isFallback: false, shaderF16: true, maxBufferSize: 2 ** 31, maxStorageBufferBindingSize: 2 ** 30 }, missing: null });
    // crosses the worker boundary by structured clone
    expect(structuredClone(facts)).toEqual(facts);
    const none = await new Engine().adapterFacts();
    expect(none.device).toBeNull();
    expect(none.missing).toContain('navigator.gpu is missing');
  });
});
