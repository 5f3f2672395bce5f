import { describe, expect, it } from 'vitest';
import type { ErrorCode } from '../core/errors.ts';
import { demoInfo } from '../../test/support/fake-engine.ts';
import { backendAdvice, generationAdvice, loadAdvice, smallerSize } from './failure-advice.ts';

const ctx = { width: 512, height: 768, batchCount: 1, sizeStep: 8, backend: 'webgpu' };
const err = (code: ErrorCode) => ({ code, message: 'x', details: {} });

describe('failure advice', () => {
  it('out of memory: a smaller size on the model grid, as a one-click fix', () => {
    expect(smallerSize(512, 768, 8)).toEqual({ width: 384, height: 576 });
    expect(smallerSize(16, 16, 16)).toEqual({ width: 16, height: 16 });
    const a = generationAdvice(err('out-of-memory'), ctx)!;
    expect(a.fix).toEqual({ kind: 'smaller-size', width: 384, height: 576 });
    expect(a.action).toContain('GPU ran out of memory at 512×768. Try 384×576');
    expect(generationAdvice(err('out-of-memory'), { ...ctx, width: 8, height: 8, batchCount: 3 })!.fix).toEqual({ kind: 'single-image' });
  });

  it('device lost and crashes: reload; unsupported op: WASM; others: nothing extra', () => {
    expect(generationAdvice(err('device-lost'), ctx)!.fix).toEqual({ kind: 'reload-model' });
    expect(generationAdvice(err('engine-crashed'), ctx)!.fix).toEqual({ kind: 'reload-model' });
    expect(generationAdvice(err('unsupported-op'), ctx)!.fix).toEqual({ kind: 'use-wasm' });
    expect(generationAdvice(err('cancelled'), ctx)).toBeNull();
    expect(generationAdvice(err('bad-request'), ctx)).toBeNull();
  });

  it('a generation refused at its size (the load fitted a smaller one): a smaller size as a one-click fix', () => {
    const wasm = { code: 'model-too-large' as const, message: 'x', details: { limits: [{ kind: 'wasm-size', width: 512, height: 768 }] } };
    expect(generationAdvice(wasm, ctx)).toMatchObject({ fix: { kind: 'smaller-size', width: 384, height: 576 }, fixLabel: 'Use 384×576' });
    const gpu = { code: 'model-too-large' as const, message: 'x', details: { limits: [{ kind: 'gpu-attention', width: 512, height: 768, side: 448 }] } };
    expect(generationAdvice(gpu, ctx)!.fix).toEqual({ kind: 'smaller-size', width: 448, height: 448 });
    expect(generationAdvice({ ...wasm, details: { limits: [{ kind: 'wasm-weights' }] } }, ctx)).toBeNull();
  });

  it('no WebGPU: the cause from the backend chooser and a specific way to get it', () => {
    const missing = backendAdvice(demoInfo({ fallbackReason: 'This browser does not expose WebGPU (navigator.gpu is missing). Use a recent Chrome or Edge, or enable WebGPU in the browser flags.' }), 'auto')!;
    expect(missing.action).toContain('--enable-unsafe-webgpu');
    const blocked = backendAdvice(demoInfo({ fallbackReason: 'WebGPU found no usable GPU adapter (the GPU may be blocklisted or disabled: see chrome://gpu).' }), 'auto')!;
    expect(blocked.action).toContain('chrome://gpu');
    const f16 = backendAdvice(demoInfo({ fallbackReason: 'The GPU adapter lacks shader-f16, which this fp16 model needs; running on WASM instead.' }), 'auto')!;
    expect(f16.action).toContain('fp32 export');
    // WASM chosen on purpose, or WebGPU in use: nothing to say
    expect(backendAdvice(demoInfo(), 'wasm')).toBeNull();
    expect(backendAdvice(demoInfo({ backend: 'webgpu', fallbackReason: null }), 'auto')).toBeNull();
  });
});

describe('load advice for model-too-large', () => {
  const refused = (limits: unknown) => ({ code: 'model-too-large' as const, message: 'x', details: { reasons: ['x'], limits } });
  const auto = { backendChoice: 'auto' as const, shaderF16: true };

  it("the attention buffer is the limit: load at the largest square that fits, as a one-click fix", () => {
    const a = loadAdvice(refused([{ kind: 'gpu-attention', width: 1024, height: 768, side: 512 }, { kind: 'wasm-weights' }]), auto)!;
    expect(a.fix).toEqual({ kind: 'load-smaller', width: 512, height: 512 });
    expect(a.fixLabel).toBe('Load at 512×512');
    expect(a.action).toContain("At 1024×768 the U-Net's self-attention needs a bigger buffer");
    // no side that fits is known (WASM activations): about 3/4 of each side on a 64 grid
    expect(loadAdvice(refused([{ kind: 'wasm-size', width: 768, height: 512 }]), auto)!.fix).toEqual({ kind: 'load-smaller', width: 576, height: 384 });
  });

  it("WASM's 4 GiB is the limit for the weights themselves: WebGPU with shader-f16 and an fp16 import, or the CLI", () => {
    const forcedWasm = loadAdvice(refused([{ kind: 'wasm-weights' }]), { backendChoice: 'wasm', shaderF16: true })!;
    expect(forcedWasm.fix).toEqual({ kind: 'use-webgpu' });
    expect(forcedWasm.action).toContain('This GPU has shader-f16: choose WebGPU');
    expect(forcedWasm.action).toContain('Convert to fp16');
    expect(forcedWasm.action).toContain('hnstudio generate');
    // Auto already tried the GPU: no switch to offer; an adapter without shader-f16 gets the general advice
    const noF16 = loadAdvice(refused([{ kind: 'gpu-weight' }, { kind: 'wasm-weights' }]), { backendChoice: 'auto', shaderF16: false })!;
    expect(noF16.fix).toBeNull();
    expect(noF16.action).toContain('On a GPU with shader-f16');
    // Auto with no WebGPU at all (only WASM was planned): nothing to switch to
    expect(loadAdvice(refused([{ kind: 'wasm-weights' }]), { backendChoice: 'auto', shaderF16: null })!.fix).toBeNull();
  });

  it('a weight larger than any GPU buffer: the CLI; malformed limits and other errors: no advice', () => {
    expect(loadAdvice(refused([{ kind: 'gpu-weight' }]), auto)!.action).toContain('hnstudio generate');
    expect(loadAdvice(refused([{ kind: 'gpu-attention', width: '1024' }, null, 'x']), auto)).toBeNull();
    expect(loadAdvice(refused(undefined), auto)).toBeNull();
    expect(loadAdvice(err('missing-file'), auto)).toBeNull();
  });
});

