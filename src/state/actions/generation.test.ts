import { beforeEach, describe, expect, it, vi } from 'vitest';
import { StudioError } from '../../core/errors.ts';
import { readPngText, decodePng } from '../../core/formats/png.ts';
import type { GenerateResponse } from '../../engine/api.ts';
import { DEMO_MODEL } from '../model-types.ts';
import { resetStudio, useStudio } from '../store.ts';
import { deferred, engine, fakeResponse, resetEngine } from '../../../test/support/fake-engine.ts';

vi.mock('../../engine/client.ts', async () => (await import('../../../test/support/fake-engine.ts')).clientModule());

const { cancelGeneration, generate, previewInterval, resultFileName, resultPng, reuseLastSeed, setParams, MAX_SEED } = await import('./generation.ts');
const { loadModel, reloadModel } = await import('./models.ts');
const { EngineCrashedError } = await import('../../engine/client.ts');

const gen = () => useStudio.getState().generation;
const fixed = { prompt: 'a small red circle on the left, white background', randomSeed: false, seed: 42, steps: 20 };

beforeEach(async () => {
  resetStudio();
  resetEngine();
  await loadModel(DEMO_MODEL, 'wasm');
});

describe('generate', () => {
  it('asks the engine for the form’s request and shows the images with A1111 file names', async () => {
    setParams({ ...fixed, negativePrompt: 'blurry', sampler: 'DPM++ 2M', cfgScale: 6.5, batchCount: 2 });
    await generate();
    expect(engine.generate).toHaveBeenCalledWith(
      {
        prompt: fixed.prompt,
        negativePrompt: 'blurry',
        sampler: 'DPM++ 2M',
        scheduleType: 'Automatic',
        clipSkip: 1,
        ensd: 0,
        steps: 20,
        cfgScale: 6.5,
        seed: 42,
        width: 64, // the demo's default size, set at load
        height: 64,
        batchCount: 2,
        batchSize: 1,
        previewEvery: 2,
      },
      expect.any(Function),
    );
    const { status, results, lastSeed, summary, progress, error } = gen();
    expect(status).toBe('idle');
    expect(progress).toBeNull();
    expect(error).toBeNull();
    expect(results.map((r) => [r.fileName, r.seed, r.width])).toEqual([
      ['00001-42.png', 42, 64],
      ['00002-43.png', 43, 64],
    ]);
    expect(lastSeed).toBe(42);
    expect(summary).toMatchObject({ images: 2, unetCalls: 20, backend: 'wasm' });
    expect(results[0]!.rgba).toBeInstanceOf(Uint8ClampedArray);
    expect(results[0]!.rgba.length).toBe(64 * 64 * 4);
  });

  it('draws a fresh seed per run when the random toggle is on', async () => {
    setParams({ randomSeed: true, seed: 42 });
    await generate();
    await generate();
    const seeds = engine.generate.mock.calls.map((call) => call[0].seed);
    for (const seed of seeds) {
      expect(Number.isInteger(seed)).toBe(true);
      expect(seed).toBeGreaterThanOrEqual(0);
      expect(seed).toBeLessThanOrEqual(MAX_SEED);
    }
    expect(seeds[0]).not.toBe(seeds[1]);
    expect(gen().lastSeed).toBe(seeds[1]);
  });

  it('♻ reuse puts the last seed in the field and fixes it', async () => {
    setParams({ randomSeed: true });
    await generate();
    const used = gen().lastSeed!;
    reuseLastSeed();
    expect(gen().params).toMatchObject({ seed: used, randomSeed: false });
  });

  it('reports step, ETA and the latest preview while running', async () => {
    const done = deferred<GenerateResponse>();
    let report!: (e: Parameters<NonNullable<Parameters<typeof engine.generate>[1]>>[0]) => void;
    engine.generate.mockImplementationOnce((_req, onProgress) => {
      report = onProgress!;
      return done.promise;
    });
    setParams(fixed);
    const run = generate();
    expect(gen()).toMatchObject({ status: 'running', progress: { phase: 'encode', step: 0, steps: 20 } });
    const preview = { width: 8, height: 8, data: new Uint8ClampedArray(256) };
    report({ phase: 'denoise', image: 0, images: 1, step: 4, steps: 20, elapsedMs: 400, etaMs: 1600, preview });
    expect(gen().progress).toMatchObject({ phase: 'denoise', step: 4, steps: 20, etaMs: 1600, fraction: 0.2 });
    expect(gen().preview).toBe(preview);
    report({ phase: 'denoise', image: 0, images: 1, step: 5, steps: 20, elapsedMs: 500, etaMs: 1500 });
    expect(gen().preview).toBe(preview); // kept until the next one
    report({ phase: 'decode', image: 0, images: 1 });
    expect(gen().progress).toMatchObject({ phase: 'decode', fraction: 1 });
    done.resolve(fakeResponse({ ...engine.generate.mock.calls[0]![0] }));
    await run;
    expect(gen()).toMatchObject({ status: 'idle', progress: null, preview: null });
  });

  it('ignores Generate while a run is in flight', async () => {
    const done = deferred<GenerateResponse>();
    engine.generate.mockImplementationOnce(() => done.promise);
    setParams(fixed);
    const first = generate();
    const second = generate();
    expect(engine.generate).toHaveBeenCalledTimes(1);
    done.resolve(fakeResponse(engine.generate.mock.calls[0]![0]));
    await Promise.all([first, second]);
    expect(gen().results).toHaveLength(1);
  });

  it('says so when no model is ready, without calling the engine', async () => {
    engine.loadModel.mockRejectedValueOnce(new StudioError('missing-file', 'no unet'));
    await loadModel(DEMO_MODEL, 'wasm');
    await generate();
    expect(engine.generate).not.toHaveBeenCalled();
    expect(gen().error).toMatchObject({ code: 'no-model' });
  });

  it('shows a bad request with its message and stays usable', async () => {
    engine.generate.mockRejectedValueOnce(new StudioError('bad-request', 'Width must be a multiple of 8 from 16 to 2048 (got 60).'));
    setParams({ ...fixed, width: 60 });
    await generate();
    expect(gen()).toMatchObject({ status: 'idle', error: { code: 'bad-request', message: 'Width must be a multiple of 8 from 16 to 2048 (got 60).' } });
    setParams({ width: 64 });
    await generate();
    expect(gen()).toMatchObject({ status: 'idle', error: null });
    expect(gen().results).toHaveLength(1);
  });

  it('out of memory is an error of the run; the model stays loaded', async () => {
    engine.generate.mockRejectedValueOnce(new StudioError('out-of-memory', 'Out of memory while running the U-Net.'));
    await generate();
    expect(gen().error?.code).toBe('out-of-memory');
    expect(useStudio.getState().model.status).toBe('ready');
  });
});

describe('cancelGeneration', () => {
  it('asks the engine to stop and reports the step it stopped at', async () => {
    const run = deferred<GenerateResponse>();
    let report!: NonNullable<Parameters<typeof engine.generate>[1]>;
    engine.generate.mockImplementationOnce((_req, onProgress) => {
      report = onProgress!;
      return run.promise;
    });
    engine.cancel.mockImplementationOnce(async () => run.reject(new StudioError('cancelled', 'Generation was cancelled.')));
    setParams({ ...fixed, steps: 150 });
    const running = generate();
    report({ phase: 'denoise', image: 0, images: 1, step: 37, steps: 150, elapsedMs: 3700, etaMs: 11300 });
    const cancelling = cancelGeneration();
    expect(gen().status).toBe('cancelling');
    await Promise.all([cancelling, running]);
    expect(engine.cancel).toHaveBeenCalledTimes(1);
    expect(gen()).toMatchObject({
      status: 'idle',
      progress: null,
      error: { code: 'cancelled', message: 'Generation was cancelled at step 37/150.', details: { step: 37, steps: 150 } },
    });
  });

  it('does nothing when idle', async () => {
    await cancelGeneration();
    expect(engine.cancel).not.toHaveBeenCalled();
  });
});

describe('a lost device or a crashed engine', () => {
  it('a lost device: the model reloads by itself, the settings are kept, the next run works', async () => {
    setParams({ ...fixed, steps: 7 });
    const loads = engine.loadModel.mock.calls.length;
    engine.generate.mockRejectedValueOnce(new StudioError('device-lost', 'The GPU device was lost while running the U-Net; reload the model to continue.'));
    await generate();
    expect(gen().error?.code).toBe('device-lost');
    expect(gen().error?.message).toContain('The model is being reloaded; your settings are kept.');
    expect(useStudio.getState().model.status).toBe('loading');
    await reloadModel(); // queued behind the automatic reload
    expect(engine.loadModel.mock.calls.length).toBeGreaterThan(loads);
    expect(useStudio.getState().model.status).toBe('ready');
    expect(gen().error).toBeNull();
    expect(gen().params).toMatchObject({ steps: 7, seed: 42, randomSeed: false });
    await generate();
    expect(gen().results).toHaveLength(1);
  });

  it('treats a crashed worker the same way', async () => {
    engine.generate.mockRejectedValueOnce(new EngineCrashedError('Engine stopped: out of memory.'));
    await generate();
    expect(gen().error).toMatchObject({ code: 'engine-crashed' });
    expect(useStudio.getState().model.status).toBe('lost');
  });
});

describe('helpers', () => {
  it('names files like A1111 (counter-seed)', () => {
    expect(resultFileName(1, 42)).toBe('00001-42.png');
    expect(resultFileName(123456, 7)).toBe('123456-7.png');
  });

  it('previews every 2 steps, at most ~30 per run', () => {
    expect(previewInterval(20)).toBe(2);
    expect(previewInterval(150)).toBe(5);
  });

  it('the PNG of a result carries its pixels and A1111 parameters', async () => {
    setParams(fixed);
    await generate();
    const image = gen().results[0]!;
    const bytes = new Uint8Array(await resultPng(image).arrayBuffer());
    expect(readPngText(bytes).parameters).toBe(image.infotext);
    const decoded = decodePng(bytes);
    expect([decoded.width, decoded.height]).toEqual([64, 64]);
    expect(Array.from(decoded.data.subarray(0, 4))).toEqual([200, 200, 200, 200]);
  });
});
