/** The pipeline's public types: requests, results, what a loaded model is, and how its load went. */
import type { Backend } from '../../onnx/ort.ts';
import type { HypernetTag } from '../prompt/index.ts';
import type { RgbaImage } from '../../progress.ts';
import type { BackendPlan } from './memory-plan.ts';
import type { PrecisionChange } from './network-graph.ts';
import type { SweepReport, SweepRequest } from './sweep.ts';

export type { SweepReport, SweepRequest };

export interface GenerateRequest {
  prompt: string;
  negativePrompt: string;
  /** A1111 sampler name (see SAMPLERS; an old combined name such as "DPM++ 2M Karras" is split as A1111 1.10 does) */
  sampler: string;
  /** A1111 1.10 "Schedule type" label or id (default "Automatic": the sampler's own) */
  scheduleType?: string;
  steps: number;
  cfgScale: number;
  seed: number;
  width: number;
  height: number;
  /** runs one after another, each of `batchSize` images; seeds seed, seed+1, … over all images */
  batchCount: number;
  /** A1111's batch size: images per U-Net call (1 to 8; default 1) */
  batchSize?: number;
  /** emit a preview every k steps (0: never) */
  previewEvery?: number;
  /** A1111's clip skip: condition on the text encoder's N-th layer from the end (1, the default: the last) */
  clipSkip?: number;
  /** A1111's "Eta noise seed delta": sampler noise after the first draw comes from seed + ensd (default 0) */
  ensd?: number;
  /** A1111's subseed: image i's noise is slerped toward the noise of variationSeed + i */
  variationSeed?: number;
  /** A1111's subseed strength, 0 (off, the default) to 1 */
  variationStrength?: number;
  /** A1111's "Resize seed from" W x H in pixels (0: off): the seed's noise as it was drawn at that size */
  seedResizeFrom?: { width: number; height: number };
  /**
   * A strength sweep instead of a batch: one image per strength of the stack's hypernetwork `index`, all
   * with `seed` (batchCount is ignored). Batched in one U-Net call per step where the model and memory allow.
   */
  sweep?: SweepRequest;
  /** img2img: start from this image, noised to `denoisingStrength`, instead of pure noise */
  init?: Img2imgInit;
  /** A1111's hires fix (txt2img only): the first pass upscaled, then a second img2img pass at the larger size */
  hires?: HiresOptions;
}

/** A1111's img2img resize modes (`images.resize_image` 0, 1, 2), for an init image of another size. */
export type ResizeMode = 'just-resize' | 'crop-and-resize' | 'resize-and-fill';

export interface Img2imgInit {
  /** the init image, any size: fitted to width × height by `resizeMode` */
  image: RgbaImage;
  /** A1111's "Denoising strength", 0 to 1 */
  denoisingStrength: number;
  /** default 'just-resize' */
  resizeMode?: ResizeMode;
}

export interface HiresOptions {
  /** "Hires upscaler": a latent mode ('Latent', 'Latent (bicubic antialiased)', …) or an image upscaler */
  upscaler: string;
  /** "Upscale by" (used when resizeX and resizeY are both 0 or unset) */
  scale: number;
  /** "Resize width/height to" (0 or unset: off) */
  resizeX?: number;
  resizeY?: number;
  /** "Hires steps" (0 or unset: the first pass's steps) */
  steps?: number;
  /** the second pass's denoising strength */
  denoisingStrength: number;
  /** "Hires sampler" / "Hires schedule type" (unset: the first pass's) */
  sampler?: string;
  scheduleType?: string;
}

export interface GeneratedImage {
  readonly image: RgbaImage;
  readonly seed: number;
  /** final latent [1, C, h, w] before VAE scaling */
  readonly latent: Float32Array;
  /** the swept hypernetwork's strength for this image (sweeps only) */
  readonly strength?: number;
  /** the image's variation seed (when a variation strength is set) */
  readonly subseed?: number;
}

/** The U-Net context inputs of a generation (text states and hypernetwork K/V contexts, cond and uncond). */
export interface ContextUploads {
  /** 'gpu': uploaded once per generation and fed from GPU buffers at every step; 'cpu': copied in at every call */
  residency: 'cpu' | 'gpu';
  /** bytes of context inputs one U-Net evaluation (cond + uncond) reads */
  contextBytes: number;
  /** of those, bytes copied from the CPU per U-Net evaluation (0 on WebGPU, `contextBytes` otherwise) */
  contextBytesPerEval: number;
}

export interface GenerateResult {
  readonly images: GeneratedImage[];
  /** `<hypernet:name:mult>` tags found (and removed) in the prompt, in order */
  readonly hypernetTags: HypernetTag[];
  readonly timings: { encodeMs: number; denoiseMs: number; decodeMs: number; unetCalls: number };
  /** how a sweep ran (sweeps only) */
  readonly sweep?: SweepReport;
  /** where the U-Net's context inputs lived and what they cost in CPU→device copies */
  readonly uploads: ContextUploads;
}

/** Memory seen at the end of one load phase. Null where the realm has no way to know. */
export interface MemorySample {
  readonly phase: string;
  /** milliseconds the phase took */
  readonly ms: number;
  /** JS memory in use (Node: RSS; Chromium: the JS heap) */
  readonly jsBytes: number | null;
  /** onnxruntime-web's wasm heap (it grows, never shrinks) */
  readonly wasmHeapBytes: number | null;
  /** GPU memory the weights and held inputs take, estimated from tensor sizes (no API says) */
  readonly gpuBytesEstimate: number | null;
}

/** How the load went: the plan, what was converted, and memory per phase. */
export interface LoadReport {
  readonly plan: BackendPlan;
  readonly conversions: PrecisionChange[];
  readonly memory: MemorySample[];
  /** weight bytes per network, as stored */
  readonly weights: { readonly textEncoder: number; readonly unet: number; readonly vae: number };
}

export interface PipelineInfo {
  readonly name: string;
  readonly backend: Backend;
  readonly textWidth: number;
  readonly latentChannels: number;
  /** pixels per latent cell (8 for SD) */
  readonly vaeScale: number;
  readonly scalingFactor: number;
  readonly timestepType: string;
  readonly dynamicBatch: boolean;
  readonly defaultSize: number;
  /** width and height must be multiples of this: the VAE factor times the U-Net's down-sampling */
  readonly sizeStep: number;
  /** A1111-style short hash: the first 10 hex digits of the U-Net file's SHA-256 */
  readonly modelHash: string;
  /** the U-Net's weights as they run */
  readonly precision: 'fp32' | 'fp16';
  /** the largest clip skip (the text encoder's layer count); 1 when its layers could not be found */
  readonly clipSkipMax: number;
  /**
   * The widths a hypernetwork module can act on (the attention K/V inputs: U-Net widths and the text width),
   * ascending; a hypernetwork with none of them changes nothing. Null when the graph's attention is not found.
   */
  readonly attentionWidths: readonly number[] | null;
  readonly load: LoadReport;
}
