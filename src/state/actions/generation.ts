/**
 * Actions of the generation slice: the form's parameters, one run at a time through the engine, its progress
 * and results, cancel, and the PNG of a result (A1111's `parameters` text chunk included).
 */
import type { ProgressEvent } from '../../core/progress.ts';
import type { EngineImage, GenerateRequest, SweepRequest } from '../../engine/api.ts';
import { getEngine } from '../../engine/client.ts';
import { toUiError, type UiError } from '../errors.ts';
import { SAME_SAMPLER, SAME_SCHEDULER, type GenerationParams, type GenerationProgress, type RgbaImage, type ResultImage } from '../generation-types.ts';
import type { HiresOptions, Img2imgInit } from '../../core/diffusion/pipeline/types.ts';
import { useStudio } from '../store.ts';
import { addToGallery, imagePng } from './gallery.ts';
import { trackRun, whenIdle } from './run-control.ts';
import { applyStackForRun, syncStack } from './stack-sync.ts';

/** The largest seed A1111 (and the engine) accept. */
export const MAX_SEED = 0xffffffff;

export { cancelGeneration, whenIdle } from './run-control.ts';

let runToken = 0;
/** A1111's image counter: the 00001 in 00001-<seed>.png. */
let imageCounter = 0;

/** Sets form fields as they are; the prompt field goes through `prompt.ts` (its tags set the stack). */
export function setParams(patch: Partial<GenerationParams>): void {
  useStudio.setState((s) => ({ generation: { ...s.generation, params: { ...s.generation.params, ...patch } } }));
}

export function setRandomSeed(randomSeed: boolean): void {
  setParams({ randomSeed });
}

/** ♻: puts the seed of the last image (or the one given: any image's of the last run) in the field and fixes it. */
export function reuseLastSeed(seed?: number): void {
  const { lastSeed } = useStudio.getState().generation;
  const chosen = seed ?? lastSeed;
  if (chosen !== null) setParams({ seed: chosen, randomSeed: false });
}

export function dismissGenerationError(): void {
  useStudio.setState((s) => ({ generation: { ...s.generation, error: null } }));
}

export function randomSeedValue(): number {
  const [v] = crypto.getRandomValues(new Uint32Array(1));
  return v ?? 0;
}

/** One preview every few steps: often enough to watch, rare enough to cost nothing. */
export function previewInterval(steps: number): number {
  return Math.max(2, Math.ceil(steps / 30));
}

/** img2img's part of the request: the input image fitted by the resize mode, noised to the strength. */
export function img2imgInit(params: GenerationParams, image: RgbaImage): Img2imgInit {
  return { image, denoisingStrength: params.denoisingStrength, resizeMode: params.resizeMode };
}

/** The hires fix part of the request; the hires sampler and schedule go out only when not "Use same …". */
export function hiresOptions(params: GenerationParams): HiresOptions {
  return {
    upscaler: params.hiresUpscaler,
    scale: params.hiresScale,
    resizeX: params.hiresResizeX,
    resizeY: params.hiresResizeY,
    steps: params.hiresSteps,
    denoisingStrength: params.hiresDenoisingStrength,
    ...(params.hiresSampler !== SAME_SAMPLER ? { sampler: params.hiresSampler } : {}),
    ...(params.hiresScheduleType !== SAME_SCHEDULER ? { scheduleType: params.hiresScheduleType } : {}),
  };
}

/**
 * The request the form describes, with the seed (and variation seed: -1 in the field draws one) this run uses.
 * Variation and resize fields go out only when they do something, as A1111 leaves them out of the infotext.
 * In img2img mode the input image (`init`) goes with it; in txt2img the hires fix when it is on (A1111 has no
 * hires fix on its img2img tab).
 */
export function buildRequest(params: GenerationParams, seed: number, defaultSize: number, variationSeed = params.variationSeed, init: RgbaImage | null = null): GenerateRequest {
  const pass =
    params.mode === 'img2img' ? (init ? { init: img2imgInit(params, init) } : {}) : params.hiresEnabled ? { hires: hiresOptions(params) } : {};
  const variation = params.variationStrength !== 0 ? { variationSeed, variationStrength: params.variationStrength } : {};
  const resize = params.seedResizeWidth !== 0 || params.seedResizeHeight !== 0 ? { seedResizeFrom: { width: params.seedResizeWidth, height: params.seedResizeHeight } } : {};
  return {
    prompt: params.prompt,
    negativePrompt: params.negativePrompt,
    sampler: params.sampler,
    scheduleType: params.scheduleType,
    clipSkip: params.clipSkip,
    ensd: params.ensd,
    ...variation,
    ...resize,
    steps: params.steps,
    cfgScale: params.cfgScale,
    seed,
    width: params.width ?? defaultSize,
    height: params.height ?? defaultSize,
    batchCount: params.batchCount,
    batchSize: params.batchSize,
    previewEvery: previewInterval(params.steps),
    ...pass,
  };
}

export function resultFileName(number: number, seed: number): string {
  return `${String(number).padStart(5, '0')}-${seed}.png`;
}

/**
 * Generates with the form's parameters on the loaded model. Does nothing while a run is in flight. Resolves when
 * the run ends (results, cancelled or failed: the outcome is in the store), never rejects. With `sweep`, one
 * image per strength of that stack entry, all with the same seed (see `actions/sweep.ts`).
 */
export function generate(options: { sweep?: SweepRequest } = {}): Promise<void> {
  const { model, generation } = useStudio.getState();
  if (generation.status !== 'idle') return whenIdle();
  if (model.status !== 'ready' || !model.info) {
    const message =
      model.status === 'loading'
        ? 'The model is still loading; generate once it is ready.'
        : 'No model is loaded. Load one (or reload it) first.';
    setError({ code: 'no-model', message, details: {} });
    return Promise.resolve();
  }
  const { params } = generation;
  if (params.mode === 'img2img' && !generation.initImage) {
    setError({ code: 'bad-request', message: 'img2img needs an input image: drop, paste or choose one (or send a result with "Send to img2img").', details: { field: 'init' } });
    return Promise.resolve();
  }
  const seed = params.randomSeed ? randomSeedValue() : params.seed;
  const variationSeed = params.variationSeed === -1 ? randomSeedValue() : params.variationSeed;
  const init = params.mode === 'img2img' ? (generation.initImage?.image ?? null) : null;
  const request: GenerateRequest = { ...buildRequest(params, seed, model.info.defaultSize, variationSeed, init), ...(options.sweep ? { sweep: options.sweep, batchCount: 1, batchSize: 1 } : {}) };
  const backend = model.info.backend;
  const token = ++runToken;
  const started = performance.now();
  useStudio.setState((s) => ({
    generation: {
      ...s.generation,
      status: 'running',
      error: null,
      preview: null,
      progress: { phase: 'encode', image: 0, images: imagesOf(request), step: 0, steps: request.steps, elapsedMs: 0, etaMs: null, fraction: 0 },
    },
  }));
  return trackRun(run(token, request, started, backend));
}

async function run(token: number, request: GenerateRequest, started: number, backend: string): Promise<void> {
  const onProgress = (event: ProgressEvent) => {
    if (token !== runToken || useStudio.getState().generation.status === 'idle') return;
    useStudio.setState((s) => {
      const previous = s.generation.progress;
      const progress = toProgress(event, previous, request);
      if (!progress) return s;
      const preview = event.phase === 'denoise' && event.preview ? event.preview : s.generation.preview;
      return { generation: { ...s.generation, progress, preview } };
    });
  };
  try {
    // the stack the panel shows (and the prompt's tags select) is the one this run uses
    const stackChange = applyStackForRun();
    if (stackChange) await stackChange;
    const response = await getEngine().generate(request, onProgress);
    const results: ResultImage[] = response.images.map(toResultImage);
    void addToGallery(results, response.sweep);
    const { encodeMs, denoiseMs, decodeMs, unetCalls } = response.timings;
    useStudio.setState((s) => ({
      generation: {
        ...s.generation,
        status: 'idle',
        progress: null,
        preview: null,
        results,
        lastSeed: results[0]?.seed ?? request.seed,
        lastSeeds: results.map((r) => r.seed),
        lastVariationSeed: request.variationSeed ?? null,
        summary: { images: results.length, totalMs: performance.now() - started, encodeMs, denoiseMs, decodeMs, unetCalls, backend, ...(response.sweep ? { sweep: response.sweep } : {}) },
        error: null,
      },
    }));
  } catch (e) {
    const error = toUiError(e);
    const progress = useStudio.getState().generation.progress;
    if (error.code === 'cancelled' && progress) {
      error.details = { ...error.details, step: progress.step, steps: progress.steps, image: progress.image + 1 };
      error.message =
        progress.phase === 'denoise'
          ? `Generation was cancelled at step ${progress.step}/${progress.steps}${progress.images > 1 ? ` of image ${progress.image + 1}/${progress.images}` : ''}.`
          : 'Generation was cancelled.';
    }
    // the client reported the loss (models.ts marks the model lost and, after a device loss, reloads it)
    if (error.code === 'device-lost') error.message = `${error.message} The model is being reloaded; your settings are kept.`;
    useStudio.setState((s) => ({ generation: { ...s.generation, status: 'idle', progress: null, preview: null, error } }));
  }
  // stack changes made during the run were held back: the engine refuses them while it generates
  void syncStack();
}

/** An engine image as a result, numbered by A1111's file counter (generation and the X/Y/Z plot). */
export function toResultImage(image: EngineImage): ResultImage {
  const number = ++imageCounter;
  return {
    id: `img-${number}`,
    number,
    width: image.width,
    height: image.height,
    rgba: new Uint8ClampedArray(image.rgba),
    seed: image.seed,
    infotext: image.infotext,
    fileName: resultFileName(number, image.seed),
    ...(image.strength === undefined ? {} : { strength: image.strength }),
  };
}

/** Images a run makes: batch count × batch size (a sweep: one per strength, reported by its progress). */
const imagesOf = (request: GenerateRequest): number => request.batchCount * (request.batchSize ?? 1);

function toProgress(event: ProgressEvent, previous: GenerationProgress | null, request: GenerateRequest): GenerationProgress | null {
  const images = imagesOf(request);
  const base = previous ?? { phase: 'encode', image: 0, images, step: 0, steps: request.steps, elapsedMs: 0, etaMs: null, fraction: 0 };
  switch (event.phase) {
    case 'encode':
      return { ...base, phase: 'encode', fraction: 0 };
    case 'denoise': {
      // the hires fix's pass (1 then 2); absent for one-pass runs
      const { pass } = event;
      return {
        ...(pass ? { pass: { index: pass.index, count: pass.count } } : {}),
        phase: 'denoise',
        image: event.image,
        images: event.images,
        step: event.step,
        steps: event.steps,
        elapsedMs: event.elapsedMs,
        etaMs: event.etaMs,
        fraction: (event.image + event.step / event.steps) / event.images,
      };
    }
    case 'decode':
      return { ...base, phase: 'decode', image: event.image, step: base.steps, etaMs: null, fraction: (event.image + 1) / event.images };
    default:
      return null;
  }
}

function setError(error: UiError): void {
  useStudio.setState((s) => ({ generation: { ...s.generation, error } }));
}

/** The PNG of a result, with A1111's `parameters` text, as A1111 saves it. */
export function resultPng(image: ResultImage): Blob {
  return new Blob([imagePng(image) as Uint8Array<ArrayBuffer>], { type: 'image/png' });
}

/** The file counter continues after the kept gallery's highest number (A1111 counts on across sessions). */
export function continueImageCounter(from: number): void {
  imageCounter = Math.max(imageCounter, from);
}

/** Back to 00001 (tests: a fresh page). */
export function resetImageCounter(): void {
  imageCounter = 0;
}
