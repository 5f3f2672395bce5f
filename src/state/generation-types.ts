/** The generation slice: the form's parameters, the run in flight and its results. */
import type { RgbaImage } from '../core/progress.ts';
import { DEFAULT_SAMPLER, SAMPLERS, scheduleTypeLabels } from '../core/diffusion/schedulers/index.ts';
import type { UiError } from './errors.ts';
import type { SweepInfo } from '../engine/api.ts';
import type { ResizeMode } from '../core/diffusion/pipeline/types.ts';
import { DEFAULT_LATENT_UPSCALER } from '../core/diffusion/img2img/hires.ts';

export type { ResizeMode };

/** A1111's two tabs: text to image, or image to image from an init image. */
export type GenerationMode = 'txt2img' | 'img2img';

/** A1111's img2img "Resize mode" choices, as its radio buttons label them. */
export const RESIZE_MODES: readonly { value: ResizeMode; label: string }[] = [
  { value: 'just-resize', label: 'Just resize' },
  { value: 'crop-and-resize', label: 'Crop and resize' },
  { value: 'resize-and-fill', label: 'Resize and fill' },
];

/**
 * "Hires upscaler" choices in A1111's order: its latent modes, then the image upscalers the pipeline has
 * (None, Lanczos, Nearest; no ESRGAN: those are networks A1111 downloads).
 */
export { HIRES_UPSCALERS } from '../core/diffusion/pipeline/hires-upscale.ts';

/** A1111's "Hires sampler" / "Hires schedule type" first choice: the first pass's own. */
export const SAME_SAMPLER = 'Use same sampler';
export const SAME_SCHEDULER = 'Use same scheduler';

/** The init image of img2img: the decoded pixels and where they came from (a file name or a result). */
export interface InitImage {
  image: RgbaImage;
  /** file name, or the result's file name it was sent from */
  name: string;
}

export type { RgbaImage };

/** The sampler list, in A1111's order and with its labels. */
export const SAMPLER_LABELS: readonly string[] = SAMPLERS.map((s) => s.meta.label);

/** A1111 1.10's "Schedule type" choices, "Automatic" first. */
export const SCHEDULE_TYPE_LABELS: readonly string[] = scheduleTypeLabels();

export interface GenerationParams {
  prompt: string;
  negativePrompt: string;
  /** A1111 sampler label */
  sampler: string;
  /** A1111 1.10 "Schedule type" label ("Automatic": the sampler's own) */
  scheduleType: string;
  steps: number;
  cfgScale: number;
  /** the fixed seed in the field; used unless `randomSeed` */
  seed: number;
  /** draw a fresh seed for every run (A1111's -1) */
  randomSeed: boolean;
  /** null until a model is loaded: then its default size */
  width: number | null;
  height: number | null;
  batchCount: number;
  /** images per U-Net call (A1111's batch size) */
  batchSize: number;
  /** A1111's clip skip (1: the text encoder's last layer) */
  clipSkip: number;
  /** A1111's "Eta noise seed delta" setting (0: off) */
  ensd: number;
  /** the "Extra" seed options: variation seed (-1: a fresh one every run), its strength (0: off), "Resize seed from" (0: off) */
  variationSeed: number;
  variationStrength: number;
  seedResizeWidth: number;
  seedResizeHeight: number;
  /** A1111's tab: txt2img, or img2img from `GenerationState.initImage` */
  mode: GenerationMode;
  /** img2img's "Denoising strength" (0…1; A1111's default 0.75) */
  denoisingStrength: number;
  /** img2img's "Resize mode": how an init image of another size is fitted to width × height */
  resizeMode: ResizeMode;
  /** txt2img's "Hires. fix" checkbox and its settings (A1111's defaults) */
  hiresEnabled: boolean;
  hiresUpscaler: string;
  /** "Hires steps" (0: the first pass's steps) */
  hiresSteps: number;
  /** the hires pass's "Denoising strength" (A1111's default 0.7) */
  hiresDenoisingStrength: number;
  /** "Upscale by", used while both "Resize width/height to" are 0 */
  hiresScale: number;
  hiresResizeX: number;
  hiresResizeY: number;
  /** SAME_SAMPLER / SAME_SCHEDULER: the first pass's */
  hiresSampler: string;
  hiresScheduleType: string;
}

export interface GenerationProgress {
  phase: 'encode' | 'denoise' | 'decode';
  /** 0-based image of the batch */
  image: number;
  images: number;
  step: number;
  steps: number;
  elapsedMs: number;
  etaMs: number | null;
  /** 0…1 over the whole batch */
  fraction: number;
  /** the pass of a hires fix run (index 1: the first, 2: the hires pass), as the engine reports it */
  pass?: { index: number; count: number };
}

export interface ResultImage {
  id: string;
  /** running number of the image in this session (A1111's file counter) */
  number: number;
  width: number;
  height: number;
  rgba: Uint8ClampedArray;
  seed: number;
  /** A1111 `parameters` text */
  infotext: string;
  /** e.g. 00001-42.png */
  fileName: string;
  /** the swept hypernetwork's strength (strength sweeps only) */
  strength?: number;
}

export interface RunSummary {
  images: number;
  totalMs: number;
  encodeMs: number;
  denoiseMs: number;
  decodeMs: number;
  unetCalls: number;
  backend: string;
  /** how a strength sweep ran (sweeps only) */
  sweep?: SweepInfo;
}

export type GenerationStatus = 'idle' | 'running' | 'cancelling';

export interface GenerationState {
  params: GenerationParams;
  status: GenerationStatus;
  progress: GenerationProgress | null;
  /** latest latent preview of the run in flight */
  preview: RgbaImage | null;
  /** images of the last finished run */
  results: ResultImage[];
  summary: RunSummary | null;
  /** seed of the first image of the last run */
  lastSeed: number | null;
  /** every image's seed of the last run, in order (A1111's "Last seed" list) */
  lastSeeds: number[];
  /** img2img's input image (in memory: megabytes never go to localStorage); null: none chosen */
  initImage: InitImage | null;
  /** why the last image handed to img2img was refused (the previous init image is kept) */
  initImageError: UiError | null;
  /** variation seed of the first image of the last run (when it used one) */
  lastVariationSeed: number | null;
  /** why the last run did not finish (cancelled included) */
  error: UiError | null;
  /** the model the form's size was set for (a restored session's size stays for the same model only) */
  sizeModel: string | null;
}

export const DEFAULT_PROMPT = 'a small red circle on the left, white background';

export const initialParams: GenerationParams = {
  prompt: DEFAULT_PROMPT,
  negativePrompt: '',
  sampler: DEFAULT_SAMPLER,
  steps: 20,
  cfgScale: 7,
  seed: 42,
  randomSeed: true,
  width: null,
  height: null,
  batchCount: 1,
  batchSize: 1,
  scheduleType: 'Automatic',
  clipSkip: 1,
  ensd: 0,
  variationSeed: -1,
  variationStrength: 0,
  seedResizeWidth: 0,
  seedResizeHeight: 0,
  mode: 'txt2img',
  denoisingStrength: 0.75,
  resizeMode: 'just-resize',
  hiresEnabled: false,
  hiresUpscaler: DEFAULT_LATENT_UPSCALER,
  hiresSteps: 0,
  hiresDenoisingStrength: 0.7,
  hiresScale: 2,
  hiresResizeX: 0,
  hiresResizeY: 0,
  hiresSampler: SAME_SAMPLER,
  hiresScheduleType: SAME_SCHEDULER,
};

export const initialGeneration: GenerationState = {
  params: initialParams,
  status: 'idle',
  progress: null,
  preview: null,
  results: [],
  summary: null,
  lastSeed: null,
  lastSeeds: [],
  initImage: null,
  initImageError: null,
  lastVariationSeed: null,
  error: null,
  sizeModel: null,
};
