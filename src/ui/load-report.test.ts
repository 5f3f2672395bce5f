import { describe, expect, it } from 'vitest';
import { demoInfo } from '../../test/support/fake-engine.ts';
import { formatBinary, loadReportView } from './load-report.ts';

const GIB = 1024 ** 3;
const MIB = 1024 ** 2;

describe('load report', () => {
  it('formats sizes in binary units, and unknowns as a dash', () => {
    expect(formatBinary(3_437_361_920)).toBe('3.20 GiB');
    expect(formatBinary(MIB)).toBe('1.0 MiB');
    expect(formatBinary(1536)).toBe('1.5 KiB');
    expect(formatBinary(12)).toBe('12 B');
    expect(formatBinary(null)).toBe('—');
  });

  it('says which backend and why, the plan against the WASM heap, and each phase', () => {
    const info = demoInfo({
      load: {
        plan: { backend: 'wasm', fits: true, reasons: [], limits: [], upcast: false, weightBytes: 18 * MIB, largestBufferBytes: MIB, totalBytes: 300 * MIB, limitBytes: 4 * GIB },
        conversions: [],
        memory: [
          { phase: 'open', ms: 12.4, jsBytes: 40 * MIB, wasmHeapBytes: null, gpuBytesEstimate: null },
          { phase: 'warm-up', ms: 830.6, jsBytes: 52 * MIB, wasmHeapBytes: 96 * MIB, gpuBytesEstimate: null },
        ],
        weights: { textEncoder: 2 * MIB, unet: 10 * MIB, vae: 4 * MIB },
      },
    });
    const view = loadReportView(info, 'wasm');
    expect(view.backend).toBe('WASM (CPU)');
    expect(view.why).toBe('WASM was chosen in the settings.');
    expect(view.plan).toContainEqual({ label: 'Limit', value: '300.0 MiB estimated of 4.00 GiB' });
    expect(view.plan).toContainEqual({ label: 'Weights as stored', value: 'text encoder 2.0 MiB · U-Net 10.0 MiB · VAE 4.0 MiB' });
    expect(view.phases).toEqual([
      { phase: 'open', time: '12 ms', js: '40.0 MiB', wasmHeap: '—', gpu: '—' },
      { phase: 'warm-up', time: '831 ms', js: '52.0 MiB', wasmHeap: '96.0 MiB', gpu: '—' },
    ]);
  });

  it('on WebGPU: the adapter, the per-buffer limit, and an fp16 model widened for an adapter without shader-f16', () => {
    const info = demoInfo({
      backend: 'webgpu',
      adapter: 'google swiftshader',
      fallbackReason: null,
      load: {
        plan: { backend: 'webgpu', fits: true, reasons: [], limits: [], upcast: true, weightBytes: 3.4 * GIB, largestBufferBytes: 640 * MIB, totalBytes: 4 * GIB, limitBytes: null },
        conversions: [{ network: 'U-Net', change: 'upcast', fromBytes: 1.7 * GIB, toBytes: 3.4 * GIB }],
        memory: [{ phase: 'U-Net session', ms: 5000, jsBytes: null, wasmHeapBytes: null, gpuBytesEstimate: 3.4 * GIB }],
        weights: { textEncoder: 0.25 * GIB, unet: 1.7 * GIB, vae: 0.1 * GIB },
      },
    });
    const view = loadReportView(info, 'auto');
    expect(view.backend).toBe('WebGPU (google swiftshader)');
    expect(view.why).toMatch(/^Auto: a hardware GPU/);
    expect(view.plan[0]).toEqual({ label: 'Weights as they run', value: '3.40 GiB (fp16 widened to fp32)' });
    expect(view.plan.find((r) => r.label === 'Limit')!.value).toMatch(/^per buffer/);
    expect(view.conversions).toEqual([{ network: 'U-Net', what: 'fp16 → fp32 at load (the adapter has no shader-f16): 1.70 GiB → 3.40 GiB', drift: 'none: widening fp16 to fp32 is exact' }]);
    expect(view.phases[0]).toMatchObject({ phase: 'U-Net session', time: '5000 ms', gpu: '3.40 GiB' });
    // the engine's own reason wins over the generic one
    expect(loadReportView(demoInfo({ fallbackReason: 'The only WebGPU adapter is a software renderer. Running on WASM instead.' }), 'auto').why).toMatch(/software renderer/);
  });

  it('an fp16 U-Net with its attention scores upcast says how many, not bytes', () => {
    const base = demoInfo({});
    const info = demoInfo({ load: { ...base.load, conversions: [{ network: 'the U-Net', change: 'attention', fromBytes: 1.7 * GIB, toBytes: 1.7 * GIB, detail: '16 attention softmaxes with their Q·Kᵀ' }] } });
    expect(loadReportView(info, 'auto').conversions).toEqual([
      { network: 'the U-Net', what: 'attention scores computed in fp32: 16 attention softmaxes with their Q·Kᵀ', drift: 'less than fp16 scores; stops the NaN (black) images of SD 2.x 768-v in fp16' },
    ]);
  });
});
