/**
 * The U-Net's hypernetwork stack (unet-stack.ts) never holds two U-Nets: the old session is released before the
 * new one is made, and when the new one cannot be made the plain U-Net comes back and keeps generating.
 */
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-web';
import { describe, expect, it } from 'vitest';
import { fsModelSource } from '../src/cli/fs-model-source.ts';
import { StableDiffusionPipeline, type GenerateRequest } from '../src/core/diffusion/pipeline/pipeline.ts';
import { isStudioError } from '../src/core/errors.ts';
import { readHypernetwork } from '../src/core/hypernetwork/index.ts';
import { runtimeError } from '../src/core/onnx/runtime-errors.ts';
import type { Runtime } from '../src/core/onnx/runtime.ts';
import { webRuntime } from '../src/engine/runtime.ts';

const MODEL = new URL('../public/models/sd-shapes-demo/', import.meta.url).pathname;
const STRIPES = readHypernetwork(new Uint8Array(readFileSync(new URL('../public/hypernetworks/stripes.pt', import.meta.url))), 'stripes.pt');
const request: GenerateRequest = { prompt: 'a small red circle on the left, white background', negativePrompt: '', sampler: 'Euler', steps: 2, cfgScale: 7, seed: 3, width: 64, height: 64, batchCount: 1 };

/** webRuntime that counts live U-Net sessions and can be told to fail the patched one */
function watchedRuntime() {
  const inner = webRuntime(ort as never, { threads: 1 });
  const state = { live: 0, peak: 0, failPatched: false };
  const runtime: Runtime = {
    ...inner,
    async createSession(pkg, plan) {
      if (state.failPatched && pkg.what === 'the U-Net with hypernetworks') throw runtimeError(new Error('failed to allocate (injected)'), pkg.what, 'session');
      const session = await inner.createSession(pkg, plan);
      if (!pkg.what.startsWith('the U-Net')) return session;
      state.peak = Math.max(state.peak, ++state.live);
      const release = session.release.bind(session);
      session.release = async () => {
        state.live--;
        await release();
      };
      return session;
    },
  };
  return { runtime, state };
}

describe('U-Net stack', () => {
  it('holds one U-Net at a time, and a failed rebuild leaves the plain U-Net generating', async () => {
    const { runtime, state } = watchedRuntime();
    const pipeline = await StableDiffusionPipeline.load(fsModelSource(MODEL), runtime, { backend: 'wasm' });
    try {
      const plain = await pipeline.generate(request);
      await pipeline.setHypernetworks([{ hypernetwork: STRIPES, strength: 1 }]);
      await pipeline.setHypernetworks([]);
      expect(state.peak).toBe(1);
      expect(state.live).toBe(1);
      state.failPatched = true;
      const error = await pipeline.setHypernetworks([{ hypernetwork: STRIPES, strength: 1 }]).catch((e: unknown) => e);
      expect(isStudioError(error) && error.code).toBe('out-of-memory');
      expect(state.live).toBe(1);
      // the stack is empty again, and the image is the plain one
      const again = await pipeline.generate(request);
      expect(again.images[0]!.image.data).toEqual(plain.images[0]!.image.data);
    } finally {
      await pipeline.release();
    }
  }, 180_000);
});
