/** The generation slice: the form's parameters, the run in flight and its results. */
import type { RgbaImage } from '../core/progress.ts';
import { DEFAULT_SAMPLER, SAMPLERS, scheduleTypeLabels } from '../core/diffusion/schedulers/index.ts';
import type { UiError } from './errors.ts';
import type { SweepInfo } from '../engine/api.ts';

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
};

export const initialGeneration: GenerationState = {
  params: initialParams,
  status: 'idle',
  progress: null,
  preview: null,
  results: [],
  summary: null,
  lastSeed: null,
  lastVariationSeed: null,
  error: null,
  sizeModel: null,
};
