/**
 * img2img and the hires fix on the demo model in Node (WASM): the VAE encoder opened on first use, denoising
 * strength 0 as the init image through the VAE, the steps a strength runs, the hires second pass as img2img
 * of the first pass, hypernetwork strengths and sweeps with an init image, batches, infotext and refusals.
 */
import * as ort from 'onnxruntime-web';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fsModelSource } from '../src/cli/fs-model-source.ts';
import { prepareInitImage } from '../src/core/diffusion/img2img/init-image.ts';
import { StableDiffusionPipeline, type GenerateRequest } from '../src/core/diffusion/pipeline/pipeline.ts';
import type { ModelSource } from '../src/core/diffusion/pipeline/model-source.ts';
import type { ProgressEvent, RgbaImage } from '../src/core/progress.ts';
import type { Engine } from '../src/engine/engine.ts';
import { webRuntime } from '../src/engine/runtime.ts';
import { DEMO_MODEL, demoEngine } from './support/demo-engine.ts';

const base: GenerateRequest = { prompt: 'a small red circle on the left, white background', negativePrompt: '', sampler: 'Euler', steps: 10, cfgScale: 7, seed: 5, width: 64, height: 64, batchCount: 1 };
const rgbaOf = (r: { width: number; height: number; rgba: ArrayBuffer }): RgbaImage => ({ width: r.width, height: r.height, data: new Uint8ClampedArray(r.rgba) });
/** pixels as bytes (Vitest compares ArrayBuffers as empty objects: every pair would be equal) */
const bytes = (r: { rgba: ArrayBuffer }) => new Uint8Array(r.rgba);
const meanAbs = (a: Uint8ClampedArray, b: Uint8ClampedArray) => a.reduce((s, v, i) => s + Math.abs(v - b[i]!), 0) / a.length;

/** A blue square on white with a half-transparent band, 80×48 (another size than the 64×64 request). */
function initImage(): RgbaImage {
  const [w, h] = [80, 48];
  const data = new Uint8ClampedArray(w * h * 4);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const inside = x > 30 && x < 60 && y > 10 && y < 40;
      data.set(inside ? [30, 40, 220, 255] : [250, 250, 250, y < 6 ? 128 : 255], (y * w + x) * 4);
    }
  }
  return { width: w, height: h, data };
}

describe('img2img and hires fix on the demo model', { timeout: 180_000 }, () => {
  let engine: Engine;
  let pipeline: StableDiffusionPipeline;
  const run = async (req: Partial<GenerateRequest>, events?: ProgressEvent[]) => engine.generate({ ...base, ...req }, (e) => events?.push(e));
  beforeAll(async () => {
    engine = await demoEngine();
    pipeline = engine.loaded!;
  }, 180_000);
  afterAll(() => engine.unloadModel(), 60_000);

  it('strength 0 is the init image fitted and through the VAE (encode, then decode): no steps', async () => {
    const events: ProgressEvent[] = [];
    const out = await run({ init: { image: initImage(), denoisingStrength: 0, resizeMode: 'crop-and-resize' } }, events);
    expect(out.timings.unetCalls).toBe(0);
    expect(events.some((e) => e.phase === 'denoise')).toBe(false);
    const latent = await pipeline.encode(prepareInitImage(initImage(), 64, 64, 'crop-and-resize'), 'test');
    const expected = await pipeline.decode(latent, [1, 4, 8, 8]);
    expect(rgbaOf(out.images[0]!).data).toEqual(expected.data);
    expect(out.images[0]!.infotext).toMatch(/Model: sd-shapes-demo, Denoising strength: 0$/);
  });

  it("runs A1111's t_enc + 1 steps from the init, reported as the steps run; deterministic; more strength strays further", async () => {
    const init = initImage();
    const events: ProgressEvent[] = [];
    const half = await run({ init: { image: init, denoisingStrength: 0.5 } }, events);
    const steps = events.flatMap((e) => (e.phase === 'denoise' ? [e.steps] : []));
    // Euler, 10 steps at 0.5: t_enc = 5, the run walks sigmas[4:], 6 steps (one U-Net call each, cond+uncond batched)
    expect(steps).toEqual([6, 6, 6, 6, 6, 6]);
    expect(half.timings.unetCalls).toBe(6);
    expect(bytes((await run({ init: { image: init, denoisingStrength: 0.5 } })).images[0]!)).toEqual(bytes(half.images[0]!));
    const through = (await run({ init: { image: init, denoisingStrength: 0 } })).images[0]!;
    const low = await run({ init: { image: init, denoisingStrength: 0.15 } });
    const high = await run({ init: { image: init, denoisingStrength: 0.95 } });
    const near = meanAbs(rgbaOf(low.images[0]!).data, rgbaOf(through).data);
    const far = meanAbs(rgbaOf(high.images[0]!).data, rgbaOf(through).data);
    expect(near).toBeLessThan(far);
  });

  it("the hires second pass is img2img of the first pass (upscaler None at scale 1, strength 1: A1111's two step rules agree)", async () => {
    const first = (await run({})).images[0]!;
    const events: ProgressEvent[] = [];
    const hires = await run({ hires: { upscaler: 'None', scale: 1, denoisingStrength: 1, steps: 10 } }, events);
    const img2img = await run({ init: { image: rgbaOf(first), denoisingStrength: 1 } });
    expect(bytes(hires.images[0]!)).toEqual(bytes(img2img.images[0]!));
    const passes = events.flatMap((e) => (e.phase === 'denoise' ? [`${e.pass?.index}/${e.pass?.count}:${e.step}/${e.steps}`] : []));
    expect(passes.filter((p) => p.startsWith('1/2')).length).toBe(10);
    expect(passes.filter((p) => p.startsWith('2/2')).length).toBe(10);
  });

  it('hires: the upscaled size, both passes, the infotext with the first-pass size and hires fields', async () => {
    const events: ProgressEvent[] = [];
    const out = await run({ batchSize: 2, hires: { upscaler: 'Latent (bicubic antialiased)', scale: 2, steps: 4, denoisingStrength: 0.6, sampler: 'DPM++ 2M' } }, events);
    expect(out.images.map((i) => [i.width, i.height, i.seed])).toEqual([[128, 128, 5], [128, 128, 6]]);
    // pass 1: 10 Euler steps; pass 2: Hires steps 4 with DPM++ 2M (one call each), one U-Net call per step for the batch of 2
    expect(out.timings.unetCalls).toBe(14);
    expect(events.filter((e) => e.phase === 'denoise' && e.pass?.index === 2).every((e) => e.phase === 'denoise' && e.steps === 4)).toBe(true);
    expect(out.images[0]!.infotext.split('\n')[1]).toBe(
      'Steps: 10, Sampler: Euler, Schedule type: Automatic, CFG scale: 7, Seed: 5, Size: 64x64, Model hash: ' + pipeline.info.modelHash + ', Model: sd-shapes-demo, Denoising strength: 0.6, Hires sampler: DPM++ 2M, Hires upscale: 2, Hires steps: 4, Hires upscaler: Latent (bicubic antialiased)',
    );
    const image = await run({ hires: { upscaler: 'Lanczos', scale: 1, resizeX: 96, resizeY: 80, denoisingStrength: 0.5 } });
    expect([image.images[0]!.width, image.images[0]!.height]).toEqual([96, 80]);
    expect(image.images[0]!.infotext).toContain('Hires resize: 96x80, Hires upscaler: Lanczos');
  });

  it('refuses bad img2img and hires requests with specific codes, the hires size checked against the loaded model', async () => {
    await expect(run({ hires: { upscaler: 'Latent', scale: 1, resizeX: 2048, resizeY: 2048, denoisingStrength: 0.5 } })).rejects.toMatchObject({ code: 'model-too-large', details: { hires: { width: 2048, height: 2048 } } });
    await expect(run({ hires: { upscaler: 'ESRGAN_4x', scale: 2, denoisingStrength: 0.5 } })).rejects.toMatchObject({ code: 'bad-request' });
    await expect(run({ hires: { upscaler: 'Latent', scale: 1.125, denoisingStrength: 0.5 } })).rejects.toMatchObject({ code: 'bad-request', message: expect.stringContaining('72x72') });
    await expect(run({ init: { image: initImage(), denoisingStrength: 1.5 } })).rejects.toMatchObject({ code: 'bad-request' });
    await expect(run({ init: { image: initImage(), denoisingStrength: 0.5, resizeMode: 'stretch' as never } })).rejects.toMatchObject({ code: 'bad-request' });
    await expect(run({ init: { image: { width: 5000, height: 5000, data: new Uint8ClampedArray(4) }, denoisingStrength: 0.5 } })).rejects.toMatchObject({ code: 'image-too-large' });
    await expect(run({ init: { image: initImage(), denoisingStrength: 0.5 }, hires: { upscaler: 'Latent', scale: 2, denoisingStrength: 0.5 } })).rejects.toMatchObject({ code: 'bad-request' });
  });

  it('batches share the init (seeds seed+i); a hypernetwork at strength 0 is the plain img2img; a sweep takes an init', async () => {
    const init = { image: initImage(), denoisingStrength: 0.6 };
    const batch = await run({ init, batchSize: 2, sampler: 'Euler a' });
    const second = await run({ init, seed: 6, sampler: 'Euler a' });
    expect(batch.images[1]!.seed).toBe(6);
    expect(meanAbs(rgbaOf(batch.images[1]!).data, rgbaOf(second.images[0]!).data)).toBeLessThan(0.5);
    const plain = await run({ init });
    await engine.setHypernetworks([{ id: 'hn-1', strength: 0 }]);
    try {
      expect(bytes((await run({ init })).images[0]!)).toEqual(bytes(plain.images[0]!));
      const sweep = await run({ init, sweep: { index: 0, strengths: [0, 1], mode: 'sequential' } });
      expect(bytes(sweep.images[0]!)).toEqual(bytes(plain.images[0]!));
      expect(meanAbs(rgbaOf(sweep.images[1]!).data, rgbaOf(plain.images[0]!).data)).toBeGreaterThan(1);
    } finally {
      await engine.setHypernetworks([]);
    }
  });

  it('the encoder reproduces what the decoder draws (round trip within the demo VAE quality)', async () => {
    const image = rgbaOf((await run({})).images[0]!);
    const back = await pipeline.decode(await pipeline.encode(image, 'test'), [1, 4, 8, 8]);
    const err = meanAbs(image.data, back.data);
    expect(err).toBeLessThan(2);
  });
});

describe('a model folder without vae_encoder', { timeout: 120_000 }, () => {
  it('generates txt2img without ever opening it, and refuses img2img and image upscalers with no-vae-encoder', async () => {
    const inner = fsModelSource(DEMO_MODEL);
    const opened: string[] = [];
    const source: ModelSource = { name: 'no-encoder', open: async (path) => (opened.push(path), path.startsWith('vae_encoder/') ? null : inner.open(path)) };
    const pipeline = await StableDiffusionPipeline.load(source, webRuntime(ort as never, { threads: 1 }), { backend: 'wasm' });
    try {
      await pipeline.generate({ ...base, steps: 2, hires: { upscaler: 'Latent', scale: 2, denoisingStrength: 0.5, steps: 2 } });
      expect(opened.some((p) => p.startsWith('vae_encoder/'))).toBe(false);
      await expect(pipeline.generate({ ...base, init: { image: initImage(), denoisingStrength: 0.5 } })).rejects.toMatchObject({ code: 'no-vae-encoder' });
      await expect(pipeline.generate({ ...base, hires: { upscaler: 'Lanczos', scale: 2, denoisingStrength: 0.5 } })).rejects.toMatchObject({ code: 'no-vae-encoder', message: expect.stringContaining('Lanczos') });
    } finally {
      await pipeline.release();
    }
  });
});
