/**
 * The one contract between the UI and the engine. `Engine` implements it in-process (CLI, tests); the worker
 * exposes that same object and `client.ts` wraps it, so callers never know which transport they use.
 */
import type { ContextUploads, GenerateRequest, LoadReport, MemorySample, PipelineInfo, SweepReport, SweepRequest } from '../core/diffusion/pipeline/pipeline.ts';
import type { HypernetworkInspect, SizeRole } from '../core/hypernetwork/index.ts';
import type { AdapterProbe } from './backend.ts';
import type { ProgressEvent } from '../core/progress.ts';

export type { ContextUploads, GenerateRequest, LoadReport, MemorySample, PipelineInfo, ProgressEvent, SweepRequest };
/** The WebGPU adapter's facts (shader-f16, buffer limits, software or not), or why there is none. */
export type { AdapterProbe } from './backend.ts';

/** What a hypernetwork width is used for: SD1 text (768), SD2 text (1024), a U-Net width (320/640/1280). */
export type { SizeRole };

/** A file handed to the engine. In the worker transport `bytes` is transferred, so the caller loses it. */
export interface EngineFile {
  name: string;
  bytes: ArrayBuffer;
}

/** Everything the first screen shows about one hypernetwork file. Plain data: crosses the worker by clone. */
export interface HypernetworkCard extends HypernetworkInspect {
  fileName: string;
  /** bytes */
  fileSize: number;
  /** role of each width in `sizes`, keyed like `layers` */
  sizeRoles: Record<string, SizeRole>;
  /** non-fatal findings (NaN/Inf weights, optimizer state ignored, …) */
  warnings: string[];
  /** free text the trainer stored (`optional_info`), if any */
  optionalInfo: string | null;
  /** true for NAI / early-A1111 files whose keys were `linear1`/`linear2` */
  legacyKeys: boolean;
}

/**
 * Which backend to use: "auto" takes a hardware GPU (WebGPU), else WASM, else a software WebGPU adapter, as
 * the memory plan allows; or force one. `cpu` is native onnxruntime's CPU provider (CLI only).
 */
export type BackendChoice = 'auto' | 'webgpu' | 'wasm' | 'cpu';

/** How to load: the size the user will generate at (memory plan and shader warm-up), by default the model's own. */
export interface LoadOptions {
  width?: number;
  height?: number;
  /** false: skip the warm-up run (the first generation compiles the shaders) */
  warmup?: boolean;
}

/** Where a model folder (Optimum ONNX layout) comes from. Plain data: crosses the worker by clone. */
export type ModelSpec =
  /** served over HTTP, e.g. the embedded demo at /models/sd-shapes-demo/ */
  | { kind: 'url'; name: string; baseUrl: string }
  /** files the user picked or dropped, by path relative to the folder root */
  | { kind: 'files'; name: string; files: Record<string, Blob> }
  /** imported into the browser's storage (OPFS); the worker reads it there, checked against its manifest */
  | { kind: 'installed'; name: string; id: string };

export interface ModelInfo extends PipelineInfo {
  /** the WebGPU adapter in use ("vendor architecture"), when backend is webgpu */
  adapter: string | null;
  /** why WebGPU is not in use, when it is not */
  fallbackReason: string | null;
  /** milliseconds spent loading, including shader warm-up */
  loadMs: number;
}

export interface EngineImage {
  width: number;
  height: number;
  /** RGBA bytes; transferred out of the worker */
  rgba: ArrayBuffer;
  seed: number;
  /** A1111's `parameters` text for this image */
  infotext: string;
  /** the swept hypernetwork's strength (strength sweeps only) */
  strength?: number;
}

/** How a strength sweep ran: `batched` = all images in one U-Net batch per step, each row with its strength. */
export interface SweepInfo extends SweepReport {
  /** A1111 name (file stem) of the swept hypernetwork */
  hypernetwork: string;
}

export interface GenerateResponse {
  images: EngineImage[];
  timings: { encodeMs: number; denoiseMs: number; decodeMs: number; unetCalls: number };
  /** where the U-Net's context inputs lived: uploaded once per generation on WebGPU, copied per call on WASM */
  uploads: ContextUploads;
  /** present when the request was a sweep */
  sweep?: SweepInfo;
}

/** One hypernetwork of the U-Net stack, by the id it was inspected under. */
export interface StackItem {
  id: string;
  strength: number;
  /** the name its `<hypernet:name:mult>` tag carries in the infotext (default: the file stem) */
  name?: string;
}

/** What the U-Net stack touches in the loaded model. */
export interface StackInfo {
  /** sessions were rebuilt (the set, order or structure changed); false for a strength change */
  rebuilt: boolean;
  /** sessions created since the model was loaded (an instrumented counter for tests) */
  sessionCreations: number;
  /** attention widths of the model with the attn1/attn2 layers they have and the stack indices touching them */
  widths: { width: number; attn1: number; attn2: number; hypernetworks: number[] }[];
  /** widths a hypernetwork has that the model lacks (e.g. 1024 on SD1): those modules are unused */
  unused: { hypernetwork: number; width: number }[];
}

export interface EngineApi {
  /**
   * Reads a hypernetwork `.pt` file and describes it; with an `id`, the engine keeps it for `setHypernetworks`.
   * @param file the file name (used for A1111's name default and messages) and its bytes
   * @returns the inspect facts plus file facts and warnings
   * @throws StudioError (from `core/errors.ts`) with a stable `code` when the file is unsafe, corrupt or not a
   *   hypernetwork; the worker client rebuilds the same class on the main thread.
   */
  inspectHypernetwork(file: EngineFile, id?: string): Promise<HypernetworkCard>;

  /** Drops a hypernetwork kept by `inspectHypernetwork(file, id)`. */
  forgetHypernetwork(id: string): Promise<void>;

  /**
   * Sets the U-Net's hypernetwork stack (ids from `inspectHypernetwork`), in order, with strengths. Only a
   * change of the set or order rebuilds the U-Net session; a strength change is a new graph input value.
   * An empty stack restores the original U-Net.
   * @throws StudioError `bad-request` (unknown id, no model), `fused-attention`, `unsupported-model`
   */
  setHypernetworks(stack: StackItem[], onProgress?: (event: ProgressEvent) => void): Promise<StackInfo>;

  /**
   * Loads a Stable Diffusion pipeline (replacing the current one), creates its sessions on the chosen backend
   * and warms up shaders. Progress: `load` per file, then `compile` per network.
   * @throws StudioError `missing-file` / `bad-model-folder` / `unsupported-model` / `backend-unavailable` /
   *   `model-too-large` (the memory plan's reasons, before anything is loaded) / `unsafe-path`;
   *   `corrupt-cache` (details.path: the file) when an installed model's file is missing or changed
   */
  loadModel(spec: ModelSpec, backend: BackendChoice, onProgress?: (event: ProgressEvent) => void, options?: LoadOptions): Promise<ModelInfo>;

  /**
   * Generates `batchCount` images one after another (seeds seed, seed+1, …). Progress: `encode`, then
   * `denoise` per step (with a preview every `previewEvery` steps), then `decode` per image. With
   * `request.sweep`, one image per strength of that stack entry, all with `seed`, batched where the model and
   * memory allow; `response.sweep` says how it ran. With `request.init` (img2img) the image is fitted, encoded
   * once and noised to its denoising strength (the VAE encoder opens on first use); with `request.hires` each
   * image runs a second pass at the upscaled size, and `denoise` events carry `pass: { index, count }`.
   * @throws StudioError `cancelled` after `cancel()`, `bad-request`, `bad-prompt`, `out-of-memory`, `device-lost`,
   *   `model-too-large` (the size, or the hires pass's: details.hires), `no-vae-encoder` (img2img or an image hires
   *   upscaler on a model without vae_encoder), `image-too-large` (an init image over 4096² pixels)
   */
  generate(request: GenerateRequest, onProgress?: (event: ProgressEvent) => void): Promise<GenerateResponse>;

  /** Stops the generation in flight; it rejects with `cancelled` within one step. */
  cancel(): Promise<void>;

  /** Releases every session of the loaded pipeline (GPU memory included). */
  unloadModel(): Promise<void>;

  /**
   * Probes the WebGPU adapter without loading anything (for choices made before a load, like converting an
   * import to fp16). `device` is null, with the reason in `missing`, where there is no usable adapter.
   */
  adapterFacts(): Promise<AdapterProbe>;
}
