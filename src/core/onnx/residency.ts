/**
 * Where per-generation U-Net inputs live between denoising steps. The text states and the hypernetworks'
 * attn2 K/V contexts are the same at every step, so on WebGPU they are uploaded once into buffers on the device
 * onnxruntime uses (`ort.env.webgpu.device`) and the same GPU tensors are fed to every U-Net call; on WASM (and
 * in Node) a CPU tensor over the same array is fed each call, as before. Latents still go to the CPU every step
 * (the samplers run there).
 *
 * Structural types only: the core has no DOM (and no WebGPU) types.
 */
import type { Backend, Ort, OrtTensor } from './ort.ts';

/** The parts of a `GPUBuffer` used here. */
export interface GpuBufferLike {
  destroy(): void;
}

/** What `GPUDevice.lost` resolves to. */
export interface GpuDeviceLostInfoLike {
  readonly reason?: string;
  readonly message?: string;
}

/** The parts of a `GPUDevice` used here. */
export interface GpuDeviceLike {
  createBuffer(descriptor: { size: number; usage: number; label?: string }): GpuBufferLike;
  readonly queue: { writeBuffer(buffer: GpuBufferLike, offset: number, data: ArrayBufferView<ArrayBuffer>): void };
  readonly lost?: Promise<GpuDeviceLostInfoLike>;
}

/** `GPUBufferUsage.STORAGE | COPY_SRC | COPY_DST` (the spec's constants): what onnxruntime reads inputs from. */
export const CONTEXT_BUFFER_USAGE = 0x80 | 0x04 | 0x08;

export type FloatType = 'float32' | 'float16';

/** A tensor held for many runs. */
export interface HeldTensor {
  /** the tensor to feed to one run */
  feed(): OrtTensor;
  /** bytes the runtime copies from the CPU to the device each time `feed()`'s tensor is run (0 when resident) */
  readonly bytesPerRun: number;
  /** bytes of the data */
  readonly bytes: number;
  dispose(): void;
}

export interface TensorResidency {
  readonly where: 'cpu' | 'gpu';
  /** `data` (float32 values, or float16 bits) as a tensor of `dims`, valid until `dispose()` */
  hold(type: FloatType, data: Float32Array | Uint16Array, dims: readonly number[]): HeldTensor;
}

/** CPU tensors, one per run, over the same array (onnxruntime copies them in at each run). */
export function cpuResidency(ort: Ort): TensorResidency {
  return {
    where: 'cpu',
    hold(type, data, dims) {
      return {
        feed: () => (type === 'float16' ? new ort.Tensor('float16', data as Uint16Array, dims) : new ort.Tensor('float32', data as Float32Array, dims)),
        bytesPerRun: data.byteLength,
        bytes: data.byteLength,
        dispose: () => undefined,
      };
    },
  };
}

let liveGpu = 0;
let createdGpu = 0;

/** GPU tensors made by `gpuResidency` and not disposed yet (a leak check for tests). */
export function liveGpuTensors(): number {
  return liveGpu;
}

/** GPU tensors made by `gpuResidency` so far (tests: a WebGPU generation really fed GPU-resident contexts). */
export function gpuTensorsCreated(): number {
  return createdGpu;
}

/** Buffers uploaded once with `writeBuffer` on `device`, fed as `gpu-buffer` tensors until disposed. */
export function gpuResidency(ort: Ort, device: GpuDeviceLike): TensorResidency {
  return {
    where: 'gpu',
    hold(type, data, dims) {
      const bytes = data.byteLength;
      // writeBuffer needs a multiple of 4 bytes (an odd float16 count is padded)
      const size = Math.max(4, Math.ceil(bytes / 4) * 4);
      const buffer = device.createBuffer({ size, usage: CONTEXT_BUFFER_USAGE, label: 'hnstudio context' });
      let source: ArrayBufferView<ArrayBuffer> = data as ArrayBufferView<ArrayBuffer>;
      if (size !== bytes || !(data.buffer instanceof ArrayBuffer)) {
        const padded = new Uint8Array(size);
        padded.set(new Uint8Array(data.buffer, data.byteOffset, bytes));
        source = padded;
      }
      try {
        device.queue.writeBuffer(buffer, 0, source);
      } catch (e) {
        buffer.destroy();
        throw e;
      }
      // the tensor owns the buffer: disposing it destroys the buffer
      const tensor = ort.Tensor.fromGpuBuffer(buffer as never, { dataType: type, dims, dispose: () => buffer.destroy() });
      liveGpu++;
      createdGpu++;
      let disposed = false;
      return {
        feed: () => tensor,
        bytesPerRun: 0,
        bytes,
        dispose: () => {
          if (disposed) return;
          disposed = true;
          liveGpu--;
          tensor.dispose();
        },
      };
    },
  };
}

function isDevice(v: unknown): v is GpuDeviceLike {
  const d = v as Partial<GpuDeviceLike> | null | undefined;
  return !!d && typeof d.createBuffer === 'function' && typeof d.queue?.writeBuffer === 'function';
}

/**
 * onnxruntime's WebGPU device, once a WebGPU session exists (the native EP sets `env.webgpu.device`; JSEP's
 * getter returns a promise). Null when there is none. Never creates one: reading it before the first session is
 * not done here.
 */
export async function ortGpuDevice(ort: Ort): Promise<GpuDeviceLike | null> {
  const webgpu = (ort.env as unknown as { webgpu?: object }).webgpu;
  if (!webgpu) return null;
  const own = Object.getOwnPropertyDescriptor(webgpu, 'device');
  if (!own) return null;
  const value: unknown = own.get ? await (own.get.call(webgpu) as Promise<unknown>) : await own.value;
  return isDevice(value) ? value : null;
}

/**
 * The residency for `backend`: GPU-resident on WebGPU when onnxruntime's device and `Tensor.fromGpuBuffer` are
 * there, else CPU tensors (WASM, Node, or a runtime without GPU tensors).
 */
export async function residencyFor(ort: Ort, backend: Backend): Promise<TensorResidency> {
  if (backend !== 'webgpu' || typeof ort.Tensor.fromGpuBuffer !== 'function') return cpuResidency(ort);
  const device = await ortGpuDevice(ort);
  return device ? gpuResidency(ort, device) : cpuResidency(ort);
}
