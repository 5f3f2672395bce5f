import { describe, expect, it } from 'vitest';
import type { ErrorCode } from '../core/errors.ts';
import { demoInfo } from '../../test/support/fake-engine.ts';
import { backendAdvice, generationAdvice, smallerSize } from './failure-advice.ts';

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
