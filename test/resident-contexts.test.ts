/**
 * Per-generation U-Net contexts held once and fed to every step (the WebGPU path's scheme), checked in Node on
 * WASM with a stand-in residency that, like the GPU one, hands the same tensor to every U-Net call and counts
 * what is alive: the images equal the per-call CPU path's bit for bit, with and without hypernetwork K/V
 * contexts, and nothing stays held after a run that finishes, is cancelled or fails.
 */
import * as ort from 'onnxruntime-web';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GenerateRequest, StableDiffusionPipeline } from '../src/core/diffusion/pipeline/pipeline.ts';
import { isStudioError } from '../src/core/errors.ts';
import type { OrtTensor } from '../src/core/onnx/ort.ts';
import type { TensorResidency } from '../src/core/onnx/residency.ts';
import type { Engine } from '../src/engine/engine.ts';
import { demoEngine } from './support/demo-engine.ts';

const request: GenerateRequest = {
  prompt: 'a small red circle on the left, white background',
  negativePrompt: 'blurry',
  sampler: 'Euler a',
  steps: 3,
  cfgScale: 7,
  seed: 42,
  width: 64,
  height: 64,
  batchCount: 1,
};

/** Holds each tensor once (one object for every run, as a GPU buffer would be) and counts the live ones. */
function residentStandIn() {
  const state = { live: 0, holds: 0, feeds: new Map<OrtTensor, number>() };
  const residency: TensorResidency = {
    where: 'gpu',
    hold(type, data, dims) {
      const tensor = type === 'float16' ? new ort.Tensor('float16', Uint16Array.from(data as Uint16Array), dims) : new ort.Tensor('float32', Float32Array.from(data as Float32Array), dims);
      state.live++;
      state.holds++;
      let disposed = false;
      return {
        feed: () => {
          if (disposed) throw new Error('fed after dispose');
          state.feeds.set(tensor, (state.feeds.get(tensor) ?? 0) + 1);
          return tensor;
        },
        bytesPerRun: 0,
        bytes: data.byteLength,
        dispose: () => {
          if (!disposed) state.live--;
          disposed = true;
        },
      };
    },
  };
  return { state, residency };
}

function useResidency(pipeline: StableDiffusionPipeline, residency: TensorResidency | null): void {
  (pipeline as unknown as { residencyChoice: Promise<TensorResidency> | null }).residencyChoice = residency && Promise.resolve(residency);
}

describe('U-Net contexts held for a whole generation', { timeout: 120_000 }, () => {
  let engine: Engine;
  let pipeline: StableDiffusionPipeline;

  beforeAll(async () => {
    engine = await demoEngine();
    pipeline = engine.loaded!;
  }, 180_000);
  afterAll(() => engine.unloadModel(), 60_000);

  for (const stack of [[], [{ id: 'hn-1', strength: 0.8 }]]) {
    it(`same image as the per-call CPU path, one tensor per input for every step (${stack.length ? 'with' : 'without'} a hypernetwork)`, async () => {
      await engine.setHypernetworks(stack);
      useResidency(pipeline, null);
      const cpu = await pipeline.generate(request);
      expect(cpu.uploads.residency).toBe('cpu');
      expect(cpu.uploads.contextBytesPerEval).toBe(cpu.uploads.contextBytes);

      const { state, residency } = residentStandIn();
      useResidency(pipeline, residency);
      const held = await pipeline.generate(request);
      useResidency(pipeline, null);
      expect(held.uploads).toEqual({ residency: 'gpu', contextBytes: cpu.uploads.contextBytes, contextBytesPerEval: 0 });
      expect(Buffer.from(held.images[0]!.latent.buffer).equals(Buffer.from(cpu.images[0]!.latent.buffer))).toBe(true);
      expect(held.images[0]!.image.data).toEqual(cpu.images[0]!.image.data);
      // cond+uncond batched: the text states (and the K/V contexts) as one tensor each, fed at every call
      const inputs = stack.length && (pipeline as unknown as { unet: { contextModel: unknown } }).unet.contextModel ? 3 : 1;
      expect(state.holds).toBe(inputs);
      expect([...state.feeds.values()]).toEqual(Array(inputs).fill(held.timings.unetCalls));
      expect(state.live).toBe(0);
      console.log(`${stack.length} hypernetwork(s): ${cpu.uploads.contextBytes} context bytes per U-Net call (${held.timings.unetCalls} calls)`);
    });
  }

  it('nothing stays held after a cancelled or failed run', async () => {
    await engine.setHypernetworks([{ id: 'hn-1', strength: 0.8 }]);
    const { state, residency } = residentStandIn();
    useResidency(pipeline, residency);
    try {
      const controller = new AbortController();
      const cancelled = await pipeline.generate(request, { signal: controller.signal, onProgress: (e) => e.phase === 'denoise' && controller.abort() }).catch((e: unknown) => e);
      expect(isStudioError(cancelled) && cancelled.code).toBe('cancelled');
      expect(state.holds).toBeGreaterThan(0);
      expect(state.live).toBe(0);

      const unet = (pipeline as unknown as { unet: { model: { session: { run: (...a: unknown[]) => Promise<unknown> } } } }).unet.model;
      const run = unet.session.run;
      let calls = 0;
      unet.session.run = function (this: unknown, ...a: unknown[]) {
        if (++calls === 2) return Promise.reject(new Error('GPU exploded'));
        return run.apply(this, a);
      };
      try {
        const failed = await pipeline.generate(request).catch((e: unknown) => e);
        expect(isStudioError(failed) && failed.message).toMatch(/GPU exploded/);
      } finally {
        unet.session.run = run;
      }
      expect(state.live).toBe(0);
    } finally {
      useResidency(pipeline, null);
    }
  });
});
