/** The models slice: which pipeline the engine holds, on which backend, and how far its load is. */
import type { BackendChoice, ModelInfo, ModelSpec } from '../engine/api.ts';
import type { UiError } from './errors.ts';

export type { BackendChoice, ModelInfo, ModelSpec };

/** The embedded demo pipeline, served from `public/`. */
export const DEMO_MODEL: Extract<ModelSpec, { kind: 'url' }> = { kind: 'url', name: 'sd-shapes-demo', baseUrl: '/models/sd-shapes-demo/' };

export const BACKEND_CHOICES: readonly { value: BackendChoice; label: string }[] = [
  { value: 'auto', label: 'Auto' },
  { value: 'webgpu', label: 'WebGPU' },
  { value: 'wasm', label: 'WASM' },
];

/** Where a load is: reading files, then compiling each network's shaders (a warm-up run). */
export type LoadStep =
  | { phase: 'start' }
  | { phase: 'load'; file: string; index: number; files: number }
  | { phase: 'compile'; model: string; index: number; models: number };

export type ModelStatus =
  /** nothing asked yet */
  | 'idle'
  | 'loading'
  | 'ready'
  /** the load failed; `error` says why */
  | 'error'
  /** the model was loaded but the GPU device or the worker was lost: it must be reloaded */
  | 'lost';

export interface ModelState {
  /** the model asked for (loaded, loading or failed) */
  spec: ModelSpec | null;
  backendChoice: BackendChoice;
  status: ModelStatus;
  step: LoadStep | null;
  /** 0…1 over the whole load (files, then shader warm-up) */
  fraction: number;
  info: ModelInfo | null;
  error: UiError | null;
}

export const initialModel: ModelState = {
  spec: null,
  backendChoice: 'auto',
  status: 'idle',
  step: null,
  fraction: 0,
  info: null,
  error: null,
};
