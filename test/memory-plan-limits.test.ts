/** The memory plan's refusals as data (`limits`), which the app turns into one-click fixes; SD1.5's sizes. */
import { describe, expect, it } from 'vitest';
import { planWasm, planWebGpu, type PlanInput } from '../src/core/diffusion/pipeline/memory-plan.ts';
import type { StudioError } from '../src/core/errors.ts';
import type { WeightStats } from '../src/core/onnx/weights.ts';
import { chooseBackend } from '../src/engine/backend.ts';
import type { Runtime } from '../src/core/onnx/runtime.ts';

const FLOAT = 1;
const fp32 = (bytes: number, largest: number): WeightStats => ({ totalBytes: bytes, bytesByType: { [FLOAT]: bytes }, largestBytes: largest, largestName: 'w', count: 100 });
const sd15 = (width: number, height: number): PlanInput => ({
  networks: { textEncoder: fp32(492e6, 152e6), unet: fp32(3438e6, 52e6), vae: fp32(198e6, 10e6) },
  geometry: { heads: 8, channels: 320, vaeChannels: 128, vaeScale: 8 },
  width,
  height,
  batch: 2,
});
const gpu = { name: 'test gpu', isFallback: false, shaderF16: true, maxBufferSize: 2 ** 30, maxStorageBufferBindingSize: 2 ** 30 };

describe('memory plan limits', () => {
  it("WASM: SD1.5's fp32 weights alone exceed the 4 GiB heap", () => {
    expect(planWasm(sd15(512, 512)).limits).toEqual([{ kind: 'wasm-weights' }]);
  });

  it('WebGPU: the attention buffer at 1024² exceeds a 1 GiB buffer, with the largest square that fits', () => {
    const plan = planWebGpu(sd15(1024, 1024), gpu);
    expect(plan.limits).toEqual([{ kind: 'gpu-attention', width: 1024, height: 1024, side: 512 }]);
    expect(plan.reasons[0]).toContain('choose 512×512 or smaller');
    expect(planWebGpu(sd15(512, 512), gpu).limits).toEqual([]);
  });

  it('a refusal carries every limit in its details, WebGPU first', () => {
    const web = { kind: 'web' } as Runtime;
    const refusal = (() => {
      try {
        chooseBackend('auto', web, { device: gpu, missing: null }, sd15(1024, 1024));
      } catch (e) {
        return e as StudioError;
      }
      throw new Error('not refused');
    })();
    expect(refusal.code).toBe('model-too-large');
    expect(refusal.details.limits).toEqual([{ kind: 'gpu-attention', width: 1024, height: 1024, side: 512 }, { kind: 'wasm-weights' }]);
  });
});
