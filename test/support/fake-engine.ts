/** A scriptable stand-in for the worker engine, for the store action tests (no Worker, no onnxruntime). */
import { vi } from 'vitest';
import { requestInfotext } from '../../src/core/diffusion/request-infotext.ts';
import { StudioError } from '../../src/core/errors.ts';
import type { EngineApi, GenerateRequest, GenerateResponse, ModelInfo, ProgressEvent, StackInfo, StackItem } from '../../src/engine/api.ts';
import type { EngineLoss } from '../../src/engine/client.ts';

const DEMO_INFO: ModelInfo = {
  modelHash: '6671d78dee',
  attentionWidths: [64, 96, 128],
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
  precision: 'fp32',
  clipSkipMax: 2,
  load: {
    plan: { backend: 'wasm', fits: true, reasons: [], limits: [], upcast: false, weightBytes: 18_000_000, largestBufferBytes: 1_000_000, totalBytes: 300_000_000, limitBytes: 4 * 1024 ** 3 },
    conversions: [],
    memory: [],
    weights: { textEncoder: 1_800_000, unet: 9_600_000, vae: 3_700_000 },
  },
  adapter: null,
  fallbackReason: 'WASM was chosen in the settings.',
  loadMs: 1234,
};

export const demoInfo = (over: Partial<ModelInfo> = {}): ModelInfo => Object.assign({}, DEMO_INFO, over);

export function fakeResponse(request: GenerateRequest): GenerateResponse {
  return {
    images: Array.from({ length: request.batchCount * (request.batchSize ?? 1) }, (_, i) => {
      const rgba = new Uint8ClampedArray(request.width * request.height * 4).fill(200);
      return {
        width: request.width,
        height: request.height,
        rgba: rgba.buffer,
        seed: request.seed + i,
        // the engine's writer, so state tests see the fields a real run writes
        infotext: requestInfotext(request, { seed: request.seed + i, ...(request.variationStrength ? { subseed: (request.variationSeed ?? 0) + i } : {}) }, { name: 'sd-shapes-demo' }),
      };
    }),
    uploads: { residency: 'cpu', contextBytes: 0, contextBytesPerEval: 0 },
    timings: { encodeMs: 1, denoiseMs: 10, decodeMs: 2, unetCalls: request.steps },
  };
}

/**
 * A stand-in for the engine's U-Net stack with its semantics: a change of the id list "rebuilds" (one session,
 * progress `compile`), a strength change does not; every id touches the demo's widths (128 text, 64/96 U-Net),
 * and a 1024 width is unused when the id ends in "-sd2".
 */
export class FakeStack {
  ids: string[] = [];
  strengths: number[] = [];
  sessionCreations = 0;
  set(stack: StackItem[], onProgress?: (e: ProgressEvent) => void): StackInfo {
    const ids = stack.map((s) => s.id);
    const rebuilt = ids.length !== this.ids.length || ids.some((id, i) => id !== this.ids[i]);
    if (rebuilt) {
      this.sessionCreations += 1;
      onProgress?.({ phase: 'compile', model: 'U-Net' });
    }
    this.ids = ids;
    this.strengths = stack.map((s) => s.strength);
    const all = ids.map((_, i) => i);
    return {
      rebuilt,
      sessionCreations: this.sessionCreations,
      widths: ids.length
        ? [
            { width: 64, attn1: 3, attn2: 0, hypernetworks: all },
            { width: 96, attn1: 2, attn2: 0, hypernetworks: all },
            { width: 128, attn1: 0, attn2: 5, hypernetworks: all },
          ]
        : [],
      unused: ids.flatMap((id, i) => (id.endsWith('-sd2') ? [{ hypernetwork: i, width: 1024 }] : [])),
    };
  }
}

export let fakeStack = new FakeStack();

export const engine = {
  setHypernetworks: vi.fn<EngineApi['setHypernetworks']>(),
  forgetHypernetwork: vi.fn<EngineApi['forgetHypernetwork']>(),
  loadModel: vi.fn<EngineApi['loadModel']>(),
  generate: vi.fn<EngineApi['generate']>(),
  cancel: vi.fn<EngineApi['cancel']>(),
  unloadModel: vi.fn<EngineApi['unloadModel']>(),
  adapterFacts: vi.fn<EngineApi['adapterFacts']>(),
};

/** an adapter like a recent discrete GPU's: shader-f16, 2 GiB buffers */
export const F16_GPU = { name: 'nvidia ampere', isFallback: false, shaderF16: true, maxBufferSize: 2 ** 31, maxStorageBufferBindingSize: 2 ** 31 };

/**
 * `engine/client.ts` as the action tests mock it (the real one starts a Worker), with its loss event: like the
 * real client, a call rejecting with `device-lost` or a crashed worker emits one `onEngineLost` event first.
 * `vi.mock('<path>/engine/client.ts', async () => (await import('<path>/test/support/fake-engine.ts')).clientModule())`.
 */
export function clientModule(getEngine: () => Partial<EngineApi> = () => engine) {
  const listeners = new Set<(loss: EngineLoss) => void>();
  class EngineCrashedError extends StudioError {
    constructor(message: string) {
      super('engine-crashed', message);
    }
  }
  const lost = (e: unknown): EngineLoss | null => {
    if (e instanceof EngineCrashedError) return { cause: 'crashed', message: e.message };
    return (e as { code?: string })?.code === 'device-lost' ? { cause: 'device-lost', message: (e as Error).message } : null;
  };
  const reporting = (target: Partial<EngineApi>): Partial<EngineApi> =>
    new Proxy(target, {
      get(t, key) {
        const value = Reflect.get(t, key) as unknown;
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) =>
          Promise.resolve((value as (...a: unknown[]) => unknown).apply(t, args)).catch((e: unknown) => {
            const loss = lost(e);
            if (loss) for (const listener of [...listeners]) listener(loss);
            throw e;
          });
      },
    });
  return {
    getEngine: () => reporting(getEngine()),
    EngineCrashedError,
    onEngineLost(listener: (loss: EngineLoss) => void) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

/** Default behaviour: loads report file and compile progress, then the demo's info; runs finish at once. */
export function resetEngine(): void {
  fakeStack = new FakeStack();
  engine.setHypernetworks.mockReset().mockImplementation(async (stack, onProgress) => fakeStack.set(stack, onProgress));
  engine.forgetHypernetwork.mockReset().mockResolvedValue(undefined);
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
  engine.adapterFacts.mockReset().mockResolvedValue({ device: null, missing: 'This browser does not expose WebGPU (navigator.gpu is missing).' });
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
