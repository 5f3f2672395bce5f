/** Clip skip through the pipeline on the demo model (2 CLIP layers): 2 changes the image, 3 is refused, 1 is the default. */
import * as ort from 'onnxruntime-web';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fsModelSource } from '../src/cli/fs-model-source.ts';
import { StableDiffusionPipeline, type GenerateRequest } from '../src/core/diffusion/pipeline/pipeline.ts';
import { isStudioError } from '../src/core/errors.ts';
import { webRuntime } from '../src/engine/runtime.ts';

const MODEL = new URL('../public/models/sd-shapes-demo/', import.meta.url).pathname;
const request: GenerateRequest = { prompt: 'a small red circle on the left, white background', negativePrompt: '', sampler: 'Euler', steps: 3, cfgScale: 7, seed: 5, width: 64, height: 64, batchCount: 1 };

describe('clip skip in the pipeline', () => {
  let pipeline: StableDiffusionPipeline;
  beforeAll(async () => {
    pipeline = await StableDiffusionPipeline.load(fsModelSource(MODEL), webRuntime(ort as never, { threads: 1 }), { backend: 'wasm' });
  }, 180_000);
  afterAll(() => pipeline?.release(), 60_000);

  it('takes 1 (default) to the layer count; another layer gives another image', async () => {
    expect(pipeline.info.clipSkipMax).toBe(2);
    const [plain, one, two] = [await pipeline.generate(request), await pipeline.generate({ ...request, clipSkip: 1 }), await pipeline.generate({ ...request, clipSkip: 2 })];
    expect(one.images[0]!.latent).toEqual(plain.images[0]!.latent);
    expect(two.images[0]!.latent).not.toEqual(plain.images[0]!.latent);
    const error = await pipeline.generate({ ...request, clipSkip: 3 }).catch((e: unknown) => e);
    expect(isStudioError(error) && error.code).toBe('bad-request');
  }, 120_000);
});
