import * as ort from 'onnxruntime-web';
import { describe, expect, it } from 'vitest';
import { CONTEXT_BUFFER_USAGE, cpuResidency, gpuResidency, liveGpuTensors, ortGpuDevice, residencyFor, type GpuBufferLike, type GpuDeviceLike } from './residency.ts';
import type { Ort } from './ort.ts';

/** A GPUDevice stand-in that records buffers and writes. */
function fakeDevice() {
  const buffers: { size: number; usage: number; destroyed: boolean; written: Uint8Array | null }[] = [];
  const device: GpuDeviceLike = {
    createBuffer({ size, usage }) {
      const b = { size, usage, destroyed: false, written: null as Uint8Array | null, destroy: () => (b.destroyed = true) };
      buffers.push(b);
      return b;
    },
    queue: {
      writeBuffer(buffer: GpuBufferLike, offset: number, data: ArrayBufferView<ArrayBuffer>) {
        (buffer as unknown as { written: Uint8Array }).written = new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
        expect(offset).toBe(0);
      },
    },
    lost: new Promise(() => undefined),
  };
  return { device, buffers };
}

/** onnxruntime with `env.webgpu.device` set as the native WebGPU EP sets it after the first session. */
function ortWithDevice(device: unknown): Ort {
  return { ...ort, env: { ...ort.env, webgpu: { device } } } as unknown as Ort;
}

describe('tensor residency', () => {
  it('CPU: a fresh CPU tensor over the same array per run, the bytes copied at every run', () => {
    const data = Float32Array.from([1, 2, 3, 4, 5, 6]);
    const held = cpuResidency(ort).hold('float32', data, [1, 2, 3]);
    const a = held.feed();
    const b = held.feed();
    expect(a).not.toBe(b);
    expect(a.location).toBe('cpu');
    expect(a.data).toBe(data);
    expect(a.dims).toEqual([1, 2, 3]);
    expect(held.bytesPerRun).toBe(24);
    held.dispose();
  });

  it('GPU: uploaded once into a storage buffer, the same gpu-buffer tensor every run, destroyed on dispose', () => {
    const { device, buffers } = fakeDevice();
    const live = liveGpuTensors();
    const data = Float32Array.from({ length: 2 * 77 * 8 }, (_, i) => i / 7);
    const held = gpuResidency(ort, device).hold('float32', data, [2, 77, 8]);
    expect(liveGpuTensors()).toBe(live + 1);
    expect(buffers).toHaveLength(1);
    expect(buffers[0]!.usage).toBe(CONTEXT_BUFFER_USAGE);
    expect(buffers[0]!.size).toBe(data.byteLength);
    expect(new Float32Array(buffers[0]!.written!.buffer)).toEqual(data);
    const t = held.feed();
    expect(held.feed()).toBe(t);
    expect(t.location).toBe('gpu-buffer');
    expect(t.type).toBe('float32');
    expect(t.dims).toEqual([2, 77, 8]);
    expect(held.bytesPerRun).toBe(0);
    expect(held.bytes).toBe(data.byteLength);
    held.dispose();
    held.dispose(); // idempotent
    expect(buffers[0]!.destroyed).toBe(true);
    expect(liveGpuTensors()).toBe(live);
  });

  it('GPU: float16 with an odd count is padded to 4 bytes for writeBuffer', () => {
    const { device, buffers } = fakeDevice();
    const bits = Uint16Array.from([0x3c00, 0x4000, 0x4200]);
    const held = gpuResidency(ort, device).hold('float16', bits, [1, 3, 1]);
    expect(buffers[0]!.size).toBe(8);
    expect(Array.from(new Uint16Array(buffers[0]!.written!.buffer))).toEqual([0x3c00, 0x4000, 0x4200, 0]);
    expect(held.feed().type).toBe('float16');
    held.dispose();
  });

  it('chooses the GPU only on WebGPU with onnxruntime device; WASM and Node stay on the CPU', async () => {
    const { device } = fakeDevice();
    expect((await residencyFor(ortWithDevice(device), 'webgpu')).where).toBe('gpu');
    expect((await residencyFor(ortWithDevice(device), 'wasm')).where).toBe('cpu');
    expect((await residencyFor(ortWithDevice(undefined), 'webgpu')).where).toBe('cpu');
    expect((await residencyFor(ortWithDevice({ not: 'a device' }), 'webgpu')).where).toBe('cpu');
    expect((await residencyFor(ort, 'wasm')).where).toBe('cpu');
    // JSEP-style env: the device behind a promise
    expect(await ortGpuDevice(ortWithDevice(Promise.resolve(device)))).toBe(device);
  });
});
