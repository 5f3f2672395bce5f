/** img2img and hires fix in the state: the input image and its bounds, the request, seeds, progress passes. */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { ProgressEvent } from '../../core/progress.ts';
import { initialParams } from '../generation-types.ts';
import { checkInitSize, decodeInitImage, formSizeFor, MAX_INIT_FILE_BYTES, type DecodedImage, type ImageDecoder } from '../init-image.ts';
import { DEMO_MODEL } from '../model-types.ts';
import { resetStudio, useStudio } from '../store.ts';
import { engine, resetEngine } from '../../../test/support/fake-engine.ts';

vi.mock('../../engine/client.ts', async () => (await import('../../../test/support/fake-engine.ts')).clientModule());

const { generate, reuseLastSeed, setParams } = await import('./generation.ts');
const { applyInitImageSize, clearInitImage, sendToImg2img, setInitImageFile, setMode } = await import('./img2img.ts');
const { loadModel } = await import('./models.ts');
const { sessionSnapshot } = await import('./session.ts');

const gen = () => useStudio.getState().generation;
const fixed = { randomSeed: false, seed: 42, steps: 20 };

/** A decoder that reports a size and counts how often its pixels were read. */
function fakeDecoder(width: number, height: number, fill = 7): ImageDecoder & { reads: number; closed: number } {
  const decoder = Object.assign(
    async (): Promise<DecodedImage> => ({
      width,
      height,
      pixels: () => {
        decoder.reads++;
        return { width, height, data: new Uint8ClampedArray(width * height * 4).fill(fill) };
      },
      close: () => void decoder.closed++,
    }),
    { reads: 0, closed: 0 },
  );
  return decoder;
}

const file = (name: string, size = 10) => Object.assign(new Blob([new Uint8Array(size)], { type: 'image/png' }), { name });

beforeEach(async () => {
  resetStudio();
  resetEngine();
  await loadModel(DEMO_MODEL, 'wasm');
});

describe('the input image: decoded within bounds', () => {
  it('takes up to 4096² pixels and refuses more with image-too-large, before reading the pixels', async () => {
    expect(() => checkInitSize(4096, 4096)).not.toThrow();
    expect(() => checkInitSize(8192, 2048)).not.toThrow();
    expect(() => checkInitSize(4097, 4096)).toThrow(expect.objectContaining({ code: 'image-too-large' }));
    expect(() => checkInitSize(0, 10)).toThrow(expect.objectContaining({ code: 'not-an-image' }));
    const huge = fakeDecoder(8000, 6000);
    await expect(decodeInitImage(file('big.png'), huge)).rejects.toMatchObject({ code: 'image-too-large', message: expect.stringContaining('8000×6000') });
    expect(huge.reads).toBe(0);
    expect(huge.closed).toBe(1);
  });

  it('refuses a file over the byte budget without decoding it, and an undecodable one as not-an-image', async () => {
    const decoder = fakeDecoder(10, 10);
    const big = { name: 'big.png', size: MAX_INIT_FILE_BYTES + 1 } as Blob & { name: string };
    await expect(decodeInitImage(big, decoder)).rejects.toMatchObject({ code: 'image-too-large' });
    expect(decoder.reads).toBe(0);
    const broken: ImageDecoder = async () => {
      throw new Error('InvalidStateError: The source image could not be decoded.');
    };
    await expect(decodeInitImage(file('notes.txt'), broken)).rejects.toMatchObject({ code: 'not-an-image', message: expect.stringContaining('"notes.txt"') });
  });

  it('a refused image leaves the one the user had, and says why', async () => {
    await setInitImageFile(file('cat.png'), fakeDecoder(100, 60));
    expect(gen().initImage).toMatchObject({ name: 'cat.png', image: { width: 100, height: 60 } });
    await setInitImageFile(file('huge.png'), fakeDecoder(5000, 5000));
    expect(gen().initImage).toMatchObject({ name: 'cat.png', image: { width: 100, height: 60 } });
    expect(gen().initImageError).toMatchObject({ code: 'image-too-large' });
    await setInitImageFile(file('dog.png'), fakeDecoder(32, 32));
    expect(gen().initImage?.name).toBe('dog.png');
    expect(gen().initImageError).toBeNull();
    clearInitImage();
    expect(gen().initImage).toBeNull();
  });

  it('keeps the form size when an image is set (as A1111); "Use image size" rounds it to the model\'s step', async () => {
    setParams({ width: 64, height: 64 });
    await setInitImageFile(file('wide.png'), fakeDecoder(200, 90));
    expect(gen().params).toMatchObject({ width: 64, height: 64 });
    applyInitImageSize(); // the demo's step is 16
    expect(gen().params).toMatchObject({ width: 208, height: 96 });
    expect(formSizeFor({ width: 5, height: 4000 }, 16)).toEqual({ width: 32, height: 2048 });
  });
});

describe('Send to img2img', () => {
  it('makes a result the input image (a copy) and opens the img2img tab', async () => {
    setParams(fixed);
    await generate();
    const result = gen().results[0]!;
    sendToImg2img(result);
    expect(gen().params.mode).toBe('img2img');
    const init = gen().initImage!;
    expect(init).toMatchObject({ name: '00001-42.png', image: { width: 64, height: 64 } });
    expect(init.image.data).toEqual(result.rgba);
    expect(init.image.data).not.toBe(result.rgba);
  });
});

describe('the request', () => {
  it('img2img sends the input image with the denoising strength and resize mode, never the hires fix', async () => {
    await setInitImageFile(file('in.png'), fakeDecoder(48, 80, 200));
    setParams({ ...fixed, mode: 'img2img', denoisingStrength: 0.5, resizeMode: 'crop-and-resize', hiresEnabled: true });
    await generate();
    const request = engine.generate.mock.calls[0]![0];
    expect(request.init).toMatchObject({ denoisingStrength: 0.5, resizeMode: 'crop-and-resize', image: { width: 48, height: 80 } });
    expect(request.init!.image.data[0]).toBe(200);
    expect(request.hires).toBeUndefined();
    expect(request).toMatchObject({ width: 64, height: 64 });
  });

  it('a strength sweep in img2img carries the input image too (the same request, one image per strength)', async () => {
    await setInitImageFile(file('in.png'), fakeDecoder(64, 64));
    setParams({ ...fixed, mode: 'img2img', denoisingStrength: 0.4 });
    await generate({ sweep: { index: 0, strengths: [0, 1] } });
    expect(engine.generate.mock.calls[0]![0]).toMatchObject({ sweep: { index: 0, strengths: [0, 1] }, init: { denoisingStrength: 0.4 } });
  });

  it('img2img without an input image does not run and says what is missing', async () => {
    setMode('img2img');
    await generate();
    expect(engine.generate).not.toHaveBeenCalled();
    expect(gen().error).toMatchObject({ code: 'bad-request', message: expect.stringContaining('input image') });
  });

  it('txt2img sends the hires fix only when it is on, its sampler and schedule only when not "Use same"', async () => {
    await setInitImageFile(file('in.png'), fakeDecoder(8, 8));
    setParams({ ...fixed, mode: 'txt2img' });
    await generate();
    expect(engine.generate.mock.calls[0]![0]).not.toHaveProperty('hires');
    expect(engine.generate.mock.calls[0]![0]).not.toHaveProperty('init');
    setParams({ hiresEnabled: true, hiresUpscaler: 'Latent (bicubic antialiased)', hiresSteps: 5, hiresDenoisingStrength: 0.6, hiresScale: 1.5 });
    await generate();
    expect(engine.generate.mock.calls[1]![0].hires).toEqual({ upscaler: 'Latent (bicubic antialiased)', scale: 1.5, resizeX: 0, resizeY: 0, steps: 5, denoisingStrength: 0.6 });
    setParams({ hiresSampler: 'DPM++ 2M', hiresScheduleType: 'Karras', hiresResizeX: 128 });
    await generate();
    expect(engine.generate.mock.calls[2]![0].hires).toMatchObject({ sampler: 'DPM++ 2M', scheduleType: 'Karras', resizeX: 128 });
  });

  it('A1111 defaults: denoising 0.75, just resize; hires off, Latent, ×2, 0 steps, denoising 0.7', () => {
    expect(initialParams).toMatchObject({ mode: 'txt2img', denoisingStrength: 0.75, resizeMode: 'just-resize', hiresEnabled: false, hiresUpscaler: 'Latent', hiresScale: 2, hiresSteps: 0, hiresDenoisingStrength: 0.7 });
  });
});

describe('seeds and progress', () => {
  it('"Last seed" lists every image\'s seed of the run; any of them can be reused', async () => {
    setParams({ ...fixed, batchCount: 2, batchSize: 2 });
    await generate();
    expect(gen().lastSeeds).toEqual([42, 43, 44, 45]);
    expect(gen().results.map((r) => r.infotext.match(/Seed: (\d+)/)?.[1])).toEqual(['42', '43', '44', '45']);
    reuseLastSeed(44);
    expect(gen().params).toMatchObject({ seed: 44, randomSeed: false });
  });

  it('a hires run shows which pass a denoise step belongs to', async () => {
    let report: (e: ProgressEvent) => void = () => undefined;
    let finish: () => void = () => undefined;
    engine.generate.mockImplementationOnce((request, onProgress) => {
      report = onProgress!;
      return new Promise((resolve) => {
        finish = () => resolve({ images: [], timings: { encodeMs: 0, denoiseMs: 0, decodeMs: 0, unetCalls: 0 }, uploads: { residency: 'cpu', contextBytes: 0, contextBytesPerEval: 0 } });
        void request;
      });
    });
    setParams({ ...fixed, hiresEnabled: true });
    const run = generate();
    await vi.waitFor(() => expect(engine.generate).toHaveBeenCalled());
    report({ phase: 'denoise', image: 0, images: 1, step: 3, steps: 10, elapsedMs: 1, etaMs: 1, pass: { index: 2, count: 2 } });
    expect(gen().progress).toMatchObject({ phase: 'denoise', step: 3, pass: { index: 2, count: 2 } });
    report({ phase: 'denoise', image: 0, images: 1, step: 4, steps: 10, elapsedMs: 1, etaMs: 1 });
    expect(gen().progress?.pass).toBeUndefined();
    finish();
    await run;
  });
});

describe('the kept session', () => {
  it('keeps the mode, strengths and hires settings, never the input image', async () => {
    await setInitImageFile(file('in.png'), fakeDecoder(64, 64));
    setParams({ mode: 'img2img', denoisingStrength: 0.4, hiresEnabled: true, hiresScale: 3 });
    const saved = sessionSnapshot(useStudio.getState());
    expect(saved).toMatchObject({ mode: 'img2img', denoisingStrength: 0.4, hiresEnabled: true, hiresScale: 3 });
    expect(JSON.stringify(saved).length).toBeLessThan(4000);
  });
});
