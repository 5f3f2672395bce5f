/**
 * The load plans at the size in the form, but that size may be another model's: a model that runs at its own
 * size loads there, and a generation at a size the backend cannot hold is refused with the plan's reason.
 */
import * as ort from 'onnxruntime-web';
import { afterAll, describe, expect, it } from 'vitest';
import { fsModelSource } from '../src/cli/fs-model-source.ts';
import { Engine } from '../src/engine/engine.ts';
import { DEMO_MODEL } from './support/demo-engine.ts';

const request = { prompt: 'a red circle', negativePrompt: '', sampler: 'Euler', steps: 1, cfgScale: 7, seed: 1, width: 64, height: 64, batchCount: 1 };

describe('load size', { timeout: 120_000 }, () => {
  const engine = new Engine({ loadOrt: async () => ort as never, threads: 1 });
  afterAll(() => engine.unloadModel(), 60_000);

  it('loads the demo at its own size when the form asks for one WASM cannot hold, and refuses generating there', async () => {
    // at 4096² the demo's attention scores alone would need terabytes
    const info = await engine.loadFrom(fsModelSource(DEMO_MODEL), 'wasm', undefined, { width: 4096, height: 4096 });
    expect(info.backend).toBe('wasm');
    const refused = await engine.generate({ ...request, width: 4096, height: 4096 }).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'model-too-large', message: expect.stringContaining('at 4096×4096') });
    const ok = await engine.generate(request);
    expect(ok.images).toHaveLength(1);
  });
});

describe('load sizes', () => {
  it('tries the asked size, the model’s own, then halved squares down to one size step', async () => {
    const { loadSizes } = await import('../src/engine/backend.ts');
    expect(loadSizes({ width: 512, height: 768 }, 512, 64)).toEqual([
      { width: 512, height: 768 },
      { width: 512, height: 512 },
      { width: 256, height: 256 },
      { width: 128, height: 128 },
      { width: 64, height: 64 },
    ]);
    expect(loadSizes({ width: 64, height: 64 }, 64, 16)).toEqual([
      { width: 64, height: 64 },
      { width: 32, height: 32 },
      { width: 16, height: 16 },
    ]);
  });
});
