/**
 * Cancel stops a run within one step, counted in U-Net calls rather than milliseconds: the engine checks for a
 * cancel after every step, so a cancel asked for while step k is reported ends the run before step k + 1.
 */
import * as ort from 'onnxruntime-web';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../src/engine/engine.ts';
import { demoEngine } from './support/demo-engine.ts';

describe('cancel on the demo model', { timeout: 120_000 }, () => {
  let engine: Engine;
  let unetCalls = 0;
  beforeAll(async () => {
    // onnxruntime whose U-Net sessions count their runs
    const create = ort.InferenceSession.create.bind(ort.InferenceSession);
    const counting = {
      ...ort,
      InferenceSession: {
        create: async (...args: Parameters<typeof ort.InferenceSession.create>) => {
          const session = await create(...args);
          if (!session.inputNames.includes('sample')) return session;
          const run = session.run.bind(session);
          return Object.assign(session, { run: (...a: Parameters<typeof run>) => (unetCalls++, run(...a)) });
        },
      },
    };
    engine = await demoEngine(counting);
  }, 180_000);
  afterAll(() => engine.unloadModel(), 60_000);

  it('a cancel during step 3 of 20 ends the run before step 4, reported as cancelled', async () => {
    const request = { prompt: 'a red circle', negativePrompt: '', sampler: 'Euler', steps: 20, cfgScale: 7, seed: 1, width: 64, height: 64, batchCount: 1 };
    unetCalls = 0;
    const run = engine.generate(request, (event) => {
      if (event.phase === 'denoise' && event.step === 3) void engine.cancel();
    });
    await expect(run).rejects.toMatchObject({ code: 'cancelled' });
    expect(unetCalls, 'U-Net calls (CFG batched: one per step)').toBe(3);
  });
});
