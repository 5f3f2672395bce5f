/**
 * Cancel stops a run within one step, counted in U-Net calls rather than milliseconds: the engine checks for a
 * cancel after every step, so a cancel asked for while step k is reported ends the run before step k + 1.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../src/engine/engine.ts';
import { demoEngine, ortWithUnetRun } from './support/demo-engine.ts';

describe('cancel on the demo model', { timeout: 120_000 }, () => {
  let engine: Engine;
  let unetCalls = 0;
  beforeAll(async () => {
    const counting = ortWithUnetRun((run) => (...args) => (unetCalls++, run(...args)));
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
