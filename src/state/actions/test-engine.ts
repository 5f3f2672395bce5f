/** A scriptable stand-in for the worker engine, for the store action tests (no Worker, no onnxruntime). */
import { vi } from 'vitest';
import type { EngineApi, GenerateRequest, GenerateResponse, ModelInfo, ProgressEvent } from '../../engine/api.ts';

const DEMO_INFO: ModelInfo = {
  modelHash: '6671d78dee',
  name: 'sd-shapes-demo',
  backend: 'wasm',
  textWidth: 128,
  latentChannels: 4,
  vaeScale: 8,
  scalingFactor: 0.79,
  timestepType: 'float32',
  dynamicBatch: true,
  defaultSize: 64,
  sizeStep: 16,
  adapter: null,
  fallbackReason: 'WASM was chosen in the settings.',
  loadMs: 1234,
};

export const demoInfo = (over: Partial<ModelInfo> = {}): ModelInfo => Object.assign({}, DEMO_INFO, over);

export function fakeResponse(request: GenerateRequest): GenerateResponse {
  return {
    images: Array.from({ length: request.batchCount }, (_, i) => {
      const rgba = new Uint8ClampedArray(request.width * request.height * 4).fill(200);
      return {
        width: request.width,
        height: request.height,
        rgba: rgba.buffer,
        seed: request.seed + i,
        infotext: `${request.prompt}\nSteps: ${request.steps}, Sampler: ${request.sampler}, CFG scale: ${request.cfgScale}, Seed: ${request.seed + i}, Size: ${request.width}x${request.height}, Model: sd-shapes-demo`,
      };
    }),
    timings: { encodeMs: 1, denoiseMs: 10, decodeMs: 2, unetCalls: request.steps },
  };
}

export const engine = {
  loadModel: vi.fn<EngineApi['loadModel']>(),
  generate: vi.fn<EngineApi['generate']>(),
  cancel: vi.fn<EngineApi['cancel']>(),
  unloadModel: vi.fn<EngineApi['unloadModel']>(),
};

/** Default behaviour: loads report file and compile progress, then the demo's info; runs finish at once. */
export function resetEngine(): void {
  engine.loadModel.mockReset().mockImplementation(async (_spec, backend, onProgress?: (e: ProgressEvent) => void) => {
    onProgress?.({ phase: 'load', file: 'tokenizer/vocab.json', index: 0, files: 6 });
    onProgress?.({ phase: 'load', file: 'unet/model.onnx', index: 3, files: 6 });
    onProgress?.({ phase: 'compile', model: 'text encoder' });
    onProgress?.({ phase: 'compile', model: 'U-Net' });
    return demoInfo({ backend: backend === 'webgpu' ? 'webgpu' : 'wasm', adapter: backend === 'webgpu' ? 'google swiftshader' : null });
  });
  engine.generate.mockReset().mockImplementation(async (request) => fakeResponse(request));
  engine.cancel.mockReset().mockResolvedValue(undefined);
  engine.unloadModel.mockReset().mockResolvedValue(undefined);
}

/** A promise with its resolvers (Promise.withResolvers, without needing ES2024 typings). */
export function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void; reject: (e: unknown) => void } {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
