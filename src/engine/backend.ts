/**
 * Backend choice: WebGPU when the browser has an adapter, else WASM with the reason said plainly
 * (no WebGPU in this browser, no adapter — blocklist or flags —, or no shader-f16 for an fp16 model).
 */
import type { Backend } from '../core/onnx/ort.ts';
import type { BackendChoice } from './api.ts';

interface AdapterLike {
  features: { has(name: string): boolean };
  info?: { vendor?: string; architecture?: string; description?: string };
}
export interface GpuLike {
  requestAdapter(options?: { powerPreference?: string }): Promise<AdapterLike | null>;
}

export interface BackendDecision {
  backend: Backend;
  adapter: string | null;
  hasShaderF16: boolean;
  fallbackReason: string | null;
}

export function browserGpu(): GpuLike | undefined {
  return (globalThis.navigator as { gpu?: GpuLike } | undefined)?.gpu;
}

export async function chooseBackend(choice: BackendChoice, gpu: GpuLike | undefined): Promise<BackendDecision> {
  const wasm = (fallbackReason: string | null): BackendDecision => ({ backend: 'wasm', adapter: null, hasShaderF16: false, fallbackReason });
  if (choice === 'wasm') return wasm('WASM was chosen in the settings.');
  if (!gpu) return wasm('This browser does not expose WebGPU (navigator.gpu is missing). Use a recent Chrome or Edge, or enable WebGPU in the browser flags.');
  let adapter: AdapterLike | null = null;
  try {
    adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  } catch {
    adapter = null;
  }
  if (!adapter) return wasm('WebGPU found no usable GPU adapter (the GPU may be blocklisted or disabled: see chrome://gpu).');
  const info = adapter.info ?? {};
  const name = [info.vendor, info.architecture || info.description].filter(Boolean).join(' ') || 'WebGPU adapter';
  return { backend: 'webgpu', adapter: name, hasShaderF16: adapter.features.has('shader-f16'), fallbackReason: null };
}
