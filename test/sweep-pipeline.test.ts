/**
 * Strength sweeps on the demo model in Node (WASM): a batched sweep (one U-Net call per step for all images,
 * each batch row with its own strength) gives the images a sequential sweep and single generations give, and
 * each image's parameters carry its own `<hypernet:…>` multiplier.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GenerateRequest } from '../src/core/diffusion/pipeline/pipeline.ts';
import type { Engine } from '../src/engine/engine.ts';
import { demoEngine, ortWithUnetRun } from './support/demo-engine.ts';

const request: GenerateRequest = {
  prompt: 'a small red circle on the left, white background',
  negativePrompt: '',
  sampler: 'Euler a',
  steps: 6,
  cfgScale: 7,
  seed: 42,
  width: 64,
  height: 64,
  batchCount: 1,
};

function maxDiff(a: ArrayBuffer, b: ArrayBuffer): number {
  const x = new Uint8Array(a);
  const y = new Uint8Array(b);
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i]! - y[i]!));
  return m;
}

describe('strength sweep on the demo model', { timeout: 120_000 }, () => {
  let engine: Engine;
  const strengths = [0, 0.5, 1];

  // hooks have their own timeout (Vitest's 10 s default; the describe's does not apply): a model load and a U-Net
  // rebuild take seconds on a quiet machine and far longer on a busy one
  beforeAll(async () => {
    engine = await demoEngine();
    await engine.setHypernetworks([{ id: 'hn-1', strength: 0.8 }]);
  }, 180_000);
  afterAll(() => engine.unloadModel(), 60_000);

  it('batched: one U-Net call per step for all images, same images as sequential and single runs', async () => {
    const created = engine.loaded!.sessionCreations;
    const batched = await engine.generate({ ...request, sweep: { index: 0, strengths, mode: 'batched' } });
    expect(batched.sweep).toMatchObject({ mode: 'batched', hypernetwork: 'stripes', strengths, unetCalls: request.steps });
    expect(batched.timings.unetCalls).toBe(request.steps);
    expect(batched.images.map((i) => i.strength)).toEqual(strengths);
    expect(batched.images.map((i) => i.seed)).toEqual([42, 42, 42]);
    expect(engine.loaded!.sessionCreations, 'a sweep creates no session').toBe(created);

    const sequential = await engine.generate({ ...request, sweep: { index: 0, strengths, mode: 'sequential' } });
    expect(sequential.sweep).toMatchObject({ mode: 'sequential', unetCalls: request.steps * strengths.length });
    for (const [k, strength] of strengths.entries()) {
      expect(maxDiff(batched.images[k]!.rgba, sequential.images[k]!.rgba), `batched vs sequential at ${strength}`).toBeLessThanOrEqual(1);
      expect(batched.images[k]!.infotext).toContain(`<hypernet:stripes:${strength}>`);
      expect(batched.images[k]!.infotext).toContain('Seed: 42,');
    }
    // the ends differ: strength changes the image
    expect(maxDiff(batched.images[0]!.rgba, batched.images[2]!.rgba)).toBeGreaterThan(4);

    // a single run at the sweep's strength gives the same image; the stack's strength is back afterwards
    await engine.setHypernetworks([{ id: 'hn-1', strength: 0.5 }]);
    const single = await engine.generate(request);
    expect(maxDiff(single.images[0]!.rgba, batched.images[1]!.rgba)).toBeLessThanOrEqual(1);
    await engine.setHypernetworks([{ id: 'hn-1', strength: 0.8 }]);
    const after = await engine.generate(request);
    expect(after.images[0]!.infotext).toContain('<hypernet:stripes:0.8>');
  });

  it('auto mode: a batched run that runs out of memory is run again one image at a time', async () => {
    // an onnxruntime whose U-Net fails to allocate for more than one image (cond + uncond)
    const tight = ortWithUnetRun((run) => (feeds, ...rest) =>
      feeds.sample!.dims[0]! > 2 ? Promise.reject(new Error('failed to allocate a buffer of 1048576 bytes')) : run(feeds, ...rest),
    );
    const small = await demoEngine(tight);
    await small.setHypernetworks([{ id: 'hn-1', strength: 0.8 }]);
    try {
      const swept = await small.generate({ ...request, sweep: { index: 0, strengths } });
      // one U-Net call per image and step, plus the batched call that failed
      expect(swept.sweep).toMatchObject({ mode: 'sequential', unetCalls: request.steps * strengths.length + 1 });
      expect(swept.sweep!.reason).toMatch(/ran out of memory/);
      expect(swept.images.map((i) => i.strength)).toEqual(strengths);
      // a forced batched sweep reports the failure instead
      await expect(small.generate({ ...request, sweep: { index: 0, strengths, mode: 'batched' } })).rejects.toMatchObject({ code: 'out-of-memory' });
    } finally {
      await small.unloadModel();
    }
  });

  it('refuses a sweep of a hypernetwork the stack does not have', async () => {
    await expect(engine.generate({ ...request, sweep: { index: 3, strengths } })).rejects.toMatchObject({ code: 'bad-request' });
    await expect(engine.generate({ ...request, sweep: { index: 0, strengths: [0, NaN] } })).rejects.toMatchObject({ code: 'bad-request' });
  });
});
