/**
 * Text → image with A1111's numbers: CLIP prompt chunks with emphasis, torch-identical CPU noise per image
 * (seed, seed+1, …), k-diffusion samplers over the eps U-Net with CFG, VAE decode with the config's scaling
 * factor. Runs wherever onnxruntime runs (worker, Node); cancellation is checked between steps.
 */
import { StudioError } from '../../errors.ts';
import type { Backend, Ort, OrtSession } from '../../onnx/ort.ts';
import { planSession } from '../../onnx/session-plan.ts';
import type { ProgressFn, RgbaImage } from '../../progress.ts';
import { ImageRng } from '../noise/index.ts';
import { applyEmphasis, flattenChunks, preparePrompts, PromptSyntaxError, type HypernetTag, type TokenizedPrompt } from '../prompt/index.ts';
import { compVisModel, DiscreteSchedule, findSampler, parseSchedulerConfig, runSampler, samplerLabels, SchedulerConfigError } from '../schedulers/index.ts';
import { ClipTokenizer, TokenizerFileError } from '../tokenizer/index.ts';
import { latentPreview, vaeOutputToRgba } from './image.ts';
import { MODEL_FILES, parseJsonFile, readOptionalJson, requireFile, type ModelSource } from './model-source.ts';
import { ContextModel, runtimeError, strengthTensors, TextEncoderModel, UnetModel, VaeDecoderModel, type ContextFeeds, type UnetContexts } from './networks.ts';
import { residencyFor, type TensorResidency } from '../../onnx/residency.ts';
import { MAX_SWEEP, planSweep, type SweepReport, type SweepRequest } from './sweep.ts';
import { decodeModel, findAttentionSites, prepareUnet, strengthInputName, type PatchReport } from '../../onnx/index.ts';
import type { Hypernetwork } from '../../hypernetwork/types.ts';

export interface GenerateRequest {
  prompt: string;
  negativePrompt: string;
  /** A1111 sampler name (see SAMPLERS) */
  sampler: string;
  steps: number;
  cfgScale: number;
  seed: number;
  width: number;
  height: number;
  /** images generated one after another, with seeds seed, seed+1, … */
  batchCount: number;
  /** emit a preview every k steps (0: never) */
  previewEvery?: number;
  /**
   * A strength sweep instead of a batch: one image per strength of the stack's hypernetwork `index`, all
   * with `seed` (batchCount is ignored). Batched in one U-Net call per step where the model and memory allow.
   */
  sweep?: SweepRequest;
}

export type { SweepReport, SweepRequest };

export interface GeneratedImage {
  readonly image: RgbaImage;
  readonly seed: number;
  /** final latent [1, C, h, w] before VAE scaling */
  readonly latent: Float32Array;
  /** the swept hypernetwork's strength for this image (sweeps only) */
  readonly strength?: number;
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

/** The U-Net context inputs of a generation (text states and hypernetwork K/V contexts, cond and uncond). */
export interface ContextUploads {
  /** 'gpu': uploaded once per generation and fed from GPU buffers at every step; 'cpu': copied in at every call */
  residency: 'cpu' | 'gpu';
  /** bytes of context inputs one U-Net evaluation (cond + uncond) reads */
  contextBytes: number;
  /** of those, bytes copied from the CPU per U-Net evaluation (0 on WebGPU, `contextBytes` otherwise) */
  contextBytesPerEval: number;
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
  /**
   * The widths a hypernetwork module can act on (the attention K/V inputs: U-Net widths and the text width),
   * ascending; a hypernetwork with none of them changes nothing. Null when the graph's attention is not found.
   */
  readonly attentionWidths: readonly number[] | null;
}

export interface LoadOptions {
  backend: Backend;
  onProgress?: ProgressFn;
  /** run every network once at load so shader compilation is not paid by the first image */
  warmup?: boolean;
}

const decoder = new TextDecoder();

function numberField(obj: Record<string, unknown>, key: string): number | undefined {
  const v = obj[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

async function createSession(ort: Ort, bytes: Uint8Array, what: string, plan: Parameters<typeof planSession>[0]): Promise<OrtSession> {
  try {
    return await ort.InferenceSession.create(bytes, planSession(plan));
  } catch (e) {
    const err = runtimeError(e, what);
    if (err.code === 'runtime-error' && /protobuf|parse|invalid model|model_proto/i.test(err.message)) {
      throw new StudioError('bad-model-folder', `${what} is not a readable ONNX model (corrupt or truncated file?): ${err.message}`);
    }
    throw err;
  }
}

function unetExternalData(files: UnetFiles): { path: string; data: Uint8Array }[] {
  return files.data ? [{ path: 'model.onnx_data', data: files.data }] : [];
}

/** Resolves on the next macrotask: session runs may settle through microtasks only, starving messages. */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** `data` repeated `times` times, end to end. */
function repeat(data: Float32Array, times: number): Float32Array {
  const out = new Float32Array(data.length * times);
  for (let i = 0; i < times; i++) out.set(data, i * data.length);
  return out;
}

/** A1111's short hash (sha256, first 10 hex digits) of the model's U-Net file. */
async function shortHash(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
  return Array.from(digest.subarray(0, 5), (b) => b.toString(16).padStart(2, '0')).join('');
}

function attentionWidths(unet: Uint8Array): number[] | null {
  try {
    return [...new Set(findAttentionSites(decodeModel(unet).graph).sites.map((s) => s.width))].sort((a, b) => a - b);
  } catch {
    return null; // fused attention and the like: setHypernetworks says why
  }
}

/** A hypernetwork in the U-Net, with its multiplier. */
export interface AppliedHypernetwork {
  readonly hypernetwork: Hypernetwork;
  readonly strength: number;
}

export interface HypernetworkState {
  /** what the patched graph touches; null without hypernetworks */
  readonly report: PatchReport | null;
  /** true when this call created new sessions (the set, order or structure changed) */
  readonly rebuilt: boolean;
}

/** The U-Net file as loaded, kept so hypernetwork surgery can start again from the original graph. */
interface UnetFiles {
  readonly bytes: Uint8Array;
  /** `model.onnx_data`, when the export has one */
  readonly data: Uint8Array | null;
}

export class StableDiffusionPipeline {
  /** hypernetworks in the U-Net graph, in order (strengths are feeds, not part of the graph) */
  private stack: readonly Hypernetwork[] = [];
  private contextModel: ContextModel | null = null;
  private report: PatchReport | null = null;
  /** sessions created since load (instrumented: moving a strength slider must create none) */
  sessionCreations = 3;

  private constructor(
    readonly info: PipelineInfo,
    private readonly tokenizer: ClipTokenizer,
    private readonly schedule: DiscreteSchedule,
    private readonly textEncoder: TextEncoderModel,
    /** swapped by hypernetwork surgery */
    private unet: UnetModel,
    private readonly vae: VaeDecoderModel,
    private readonly ort: Ort,
    private readonly unetFiles: UnetFiles,
  ) {}

  static async load(source: ModelSource, ort: Ort, opts: LoadOptions): Promise<StableDiffusionPipeline> {
    const progress = (file: string, index: number) => opts.onProgress?.({ phase: 'load', file, index, files: 6 });
    progress(MODEL_FILES.vocab, 0);
    let tokenizer: ClipTokenizer;
    try {
      const vocab = decoder.decode(await requireFile(source, MODEL_FILES.vocab));
      const merges = decoder.decode(await requireFile(source, MODEL_FILES.merges));
      tokenizer = ClipTokenizer.fromFiles(vocab, merges);
    } catch (e) {
      if (e instanceof TokenizerFileError) throw new StudioError('bad-model-folder', `The tokenizer files of "${source.name}" are malformed: ${e.message}.`);
      throw e;
    }
    progress(MODEL_FILES.scheduler, 1);
    let schedule: DiscreteSchedule;
    try {
      schedule = new DiscreteSchedule(parseSchedulerConfig(parseJsonFile(await requireFile(source, MODEL_FILES.scheduler), MODEL_FILES.scheduler, source)));
    } catch (e) {
      if (e instanceof SchedulerConfigError) throw new StudioError('bad-model-folder', `${MODEL_FILES.scheduler} of "${source.name}": ${e.message}.`);
      throw e;
    }
    const vaeConfig = await readOptionalJson(source, MODEL_FILES.vaeConfig);
    const unetConfig = await readOptionalJson(source, MODEL_FILES.unetConfig);

    progress(MODEL_FILES.textEncoder, 2);
    const textEncoder = new TextEncoderModel(ort, await createSession(ort, await requireFile(source, MODEL_FILES.textEncoder), 'The text encoder', { backend: opts.backend }));
    progress(MODEL_FILES.unet, 3);
    const unetData = await source.read(MODEL_FILES.unetData);
    const unetBytes = await requireFile(source, MODEL_FILES.unet);
    const modelHash = await shortHash(unetBytes);
    const unetFiles: UnetFiles = { bytes: unetBytes, data: unetData };
    const unet = new UnetModel(ort, await createSession(ort, unetBytes, 'The U-Net', { backend: opts.backend, externalData: unetExternalData(unetFiles) }));
    progress(MODEL_FILES.vaeDecoder, 4);
    const vae = new VaeDecoderModel(ort, await createSession(ort, await requireFile(source, MODEL_FILES.vaeDecoder), 'The VAE decoder', { backend: opts.backend }));
    progress('', 5);

    if (unet.sig.contextWidth !== null && unet.sig.contextWidth !== textEncoder.width) {
      throw new StudioError('unsupported-model', `The U-Net expects ${unet.sig.contextWidth}-wide text states but the text encoder gives ${textEncoder.width}.`);
    }
    const blocks = vaeConfig.block_out_channels;
    const vaeScale = Array.isArray(blocks) && blocks.length > 0 ? 2 ** (blocks.length - 1) : 8;
    const info: PipelineInfo = {
      name: source.name,
      backend: opts.backend,
      textWidth: textEncoder.width,
      latentChannels: unet.latentChannels,
      vaeScale,
      scalingFactor: numberField(vaeConfig, 'scaling_factor') ?? 0.18215,
      timestepType: unet.sig.timestep.type,
      dynamicBatch: unet.sig.dynamicBatch,
      defaultSize: (numberField(unetConfig, 'sample_size') ?? 64) * vaeScale,
      sizeStep: vaeScale * 2 ** Math.max(0, (Array.isArray(unetConfig.block_out_channels) ? unetConfig.block_out_channels.length : 1) - 1),
      modelHash,
      attentionWidths: attentionWidths(unetBytes),
    };
    const pipeline = new StableDiffusionPipeline(info, tokenizer, schedule, textEncoder, unet, vae, ort, unetFiles);
    if (opts.warmup) await pipeline.warmup(opts.onProgress);
    return pipeline;
  }

  /** One run of each network at the default size: shader compilation happens here, not in the first image. */
  private async warmup(onProgress?: ProgressFn): Promise<void> {
    const { latentChannels: c, defaultSize, vaeScale } = this.info;
    const h = defaultSize / vaeScale;
    onProgress?.({ phase: 'compile', model: 'text encoder' });
    const empty = await this.textEncoder.encode([this.tokenizer.encodePadded('')]);
    await this.warmupUnet(empty, onProgress);
    onProgress?.({ phase: 'compile', model: 'VAE decoder' });
    await this.vae.decode(new Float32Array(c * h * h), [1, c, h, h]);
  }

  private async warmupUnet(context: Float32Array, onProgress?: ProgressFn): Promise<void> {
    const { latentChannels: c, defaultSize, vaeScale } = this.info;
    const h = defaultSize / vaeScale;
    onProgress?.({ phase: 'compile', model: 'U-Net' });
    const feeds = await this.contextFeeds(context, 77);
    const contexts = this.unet.holdContexts(feeds, feeds, 1, 77, await this.residency());
    try {
      await this.unet.eps(new Float32Array(c * h * h), [1, c, h, h], 500, contexts);
    } finally {
      contexts.dispose();
    }
  }

  /**
   * Puts hypernetworks into the U-Net, in order, with their strengths. Only a change of the set, order or
   * structure rebuilds sessions; a strength change only changes a graph input. An empty list restores the
   * original U-Net.
   */
  async setHypernetworks(applied: readonly AppliedHypernetwork[], onProgress?: ProgressFn): Promise<HypernetworkState> {
    const stack = applied.map((a) => a.hypernetwork);
    const same = stack.length === this.stack.length && stack.every((hn, i) => hn === this.stack[i]);
    let rebuilt = false;
    if (!same) {
      const { backend } = this.info;
      let unet: UnetModel;
      let contextModel: ContextModel | null = null;
      let report: PatchReport | null = null;
      if (stack.length === 0) {
        unet = new UnetModel(this.ort, await createSession(this.ort, this.unetFiles.bytes, 'The U-Net', { backend, externalData: unetExternalData(this.unetFiles) }));
        this.sessionCreations++;
      } else {
        // one strength per batch row when the export batches: a sweep then needs no other session
        const prepared = prepareUnet(this.unetFiles.bytes, applied.map((a) => ({ hypernetwork: a.hypernetwork })), { strengthShape: this.info.dynamicBatch ? 'batch' : 'scalar' });
        report = prepared.report;
        const externalData = [...prepared.externalData, ...unetExternalData(this.unetFiles)];
        unet = new UnetModel(this.ort, await createSession(this.ort, prepared.model, 'The U-Net with hypernetworks', { backend, externalData }));
        this.sessionCreations++;
        if (prepared.context) {
          contextModel = new ContextModel(this.ort, await createSession(this.ort, prepared.context, 'The hypernetwork context model', { backend }));
          this.sessionCreations++;
        }
      }
      const old = [this.unet, this.contextModel];
      this.perImageStrength = stack.length > 0 && this.info.dynamicBatch;
      this.unet = unet;
      this.contextModel = contextModel;
      this.stack = stack;
      this.report = report;
      await Promise.all(old.map((m) => m?.session.release()));
      rebuilt = true;
    }
    this.setStrengths(applied.map((a) => a.strength));
    if (rebuilt) await this.warmupUnet(await this.textEncoder.encode([this.tokenizer.encodePadded('')]), onProgress);
    return { report: this.report, rebuilt };
  }

  private residencyChoice: Promise<TensorResidency> | null = null;

  /** Where per-generation contexts live: on onnxruntime's GPU device on WebGPU, else CPU tensors. */
  private residency(): Promise<TensorResidency> {
    this.residencyChoice ??= residencyFor(this.ort, this.info.backend);
    return this.residencyChoice;
  }

  /** the stack's strengths, in order */
  private strengths: readonly number[] = [];
  /** the patched U-Net's strength inputs are `[batch]` (one per image) */
  private perImageStrength = false;

  /**
   * The strengths fed from now on: the stack's, or for a sweep per-image lists (one value for every image, or
   * one per image of the call).
   */
  private setStrengths(strengths: readonly number[], perImage: readonly (readonly number[])[] = strengths.map((s) => [s])): void {
    this.strengths = [...strengths];
    this.unet.strengths = strengths.length ? { perImage: this.perImageStrength, values: Object.fromEntries(perImage.map((v, i) => [strengthInputName(i), v])) } : null;
  }

  /** the swept hypernetwork at `values` (one per image), the others at their stack strength */
  private sweptStrengths(index: number, values: readonly number[]): number[][] {
    return this.strengths.map((s, i) => (i === index ? [...values] : [s]));
  }

  /**
   * U-Net context inputs for `images` conditionings (the same text states repeated): the text states, plus the
   * hypernetworks' K/V contexts at the strengths in use (per image on a sweep).
   */
  private async contextFeeds(context: Float32Array, tokens: number, images = 1): Promise<ContextFeeds> {
    const text = images === 1 ? context : repeat(context, images);
    const feeds: ContextFeeds = { [this.unet.sig.context.name]: text };
    if (this.contextModel && this.unet.strengths) {
      Object.assign(feeds, await this.contextModel.run(text, tokens, strengthTensors(this.ort, this.unet.strengths, images), images));
    }
    return feeds;
  }

  /** Validates a request against the model; returns the latent dims [1, C, h, w]. */
  private check(req: GenerateRequest): number[] {
    const { vaeScale, latentChannels, sizeStep } = this.info;
    const bad = (msg: string): never => {
      throw new StudioError('bad-request', msg);
    };
    if (!findSampler(req.sampler)) bad(`Unknown sampler "${req.sampler}"; choose one of ${samplerLabels().join(', ')}.`);
    if (!Number.isInteger(req.steps) || req.steps < 1 || req.steps > 150) bad('Steps must be a whole number from 1 to 150.');
    if (!Number.isFinite(req.cfgScale) || req.cfgScale < 1 || req.cfgScale > 30) bad('CFG scale must be between 1 and 30.');
    if (!Number.isInteger(req.batchCount) || req.batchCount < 1 || req.batchCount > 100) bad('Batch count must be from 1 to 100.');
    if (!Number.isSafeInteger(req.seed) || req.seed < 0 || req.seed > 0xffffffff) bad('Seed must be a whole number from 0 to 4294967295.');
    for (const [what, v] of [['Width', req.width], ['Height', req.height]] as const) {
      if (!Number.isInteger(v) || v % sizeStep !== 0 || v < sizeStep || v > 2048) bad(`${what} must be a multiple of ${sizeStep} from ${sizeStep} to 2048 for this model (got ${v}).`);
    }
    return [1, latentChannels, req.height / vaeScale, req.width / vaeScale];
  }

  private async encodePrompt(p: TokenizedPrompt): Promise<Float32Array> {
    const { ids, weights, chunkCount } = flattenChunks(p);
    const chunks = Array.from({ length: chunkCount }, (_, i) => Array.from(ids.subarray(i * 77, (i + 1) * 77)));
    const hidden = await this.textEncoder.encode(chunks);
    return applyEmphasis(hidden, weights, this.textEncoder.width);
  }

  async generate(req: GenerateRequest, { signal, onProgress }: { signal?: AbortSignal; onProgress?: ProgressFn } = {}): Promise<GenerateResult> {
    const dims = this.check(req);
    const sampler = findSampler(req.sampler)!;
    const cancelled = () => {
      if (signal?.aborted) throw new StudioError('cancelled', 'Generation was cancelled.');
    };
    const t0 = performance.now();
    onProgress?.({ phase: 'encode' });
    let prepared;
    try {
      prepared = preparePrompts(req.prompt, req.negativePrompt, this.tokenizer);
    } catch (e) {
      if (e instanceof PromptSyntaxError) throw new StudioError('bad-prompt', `Prompt: ${e.message}`);
      throw e;
    }
    const cond = await this.encodePrompt(prepared.positive);
    const uncond = await this.encodePrompt(prepared.negative);
    const tokens = prepared.positive.chunks.length * 77;
    const encodeMs = performance.now() - t0;
    cancelled();

    const images: GeneratedImage[] = [];
    const totals = { denoiseMs: 0, decodeMs: 0, unetCalls: 0 };
    const uploads: ContextUploads = { residency: 'cpu', contextBytes: 0, contextBytesPerEval: 0 };
    const sweep = req.sweep ? this.checkSweep(req.sweep) : null;
    /** denoises `n` images at once (their strengths are already set) and decodes them one by one */
    const run = async (n: number, seeds: number[], image: number, images: number): Promise<Float32Array[]> => {
      const batchDims = [n, ...dims.slice(1)];
      const condFeeds = await this.contextFeeds(cond, tokens, n);
      const uncondFeeds = await this.contextFeeds(uncond, tokens, n);
      const unet = this.unet;
      // held for every step (uploaded once on WebGPU), freed however the run ends
      const contexts = unet.holdContexts(condFeeds, uncondFeeds, n, tokens, await this.residency());
      uploads.residency = contexts.residency;
      uploads.contextBytes = Math.max(uploads.contextBytes, contexts.bytes);
      uploads.contextBytesPerEval = Math.max(uploads.contextBytesPerEval, contexts.bytesPerEval);
      try {
        return await denoise(n, seeds, image, images, batchDims, unet, contexts);
      } finally {
        contexts.dispose();
      }
    };
    const denoise = async (n: number, seeds: number[], image: number, images: number, batchDims: number[], unet: UnetModel, contexts: UnetContexts): Promise<Float32Array[]> => {
      const model = compVisModel(this.schedule, async (xIn, t) => {
        totals.unetCalls++;
        return unet.eps(xIn, batchDims, t, contexts);
      }, req.cfgScale);
      const rng = new ImageRng({ shape: dims.slice(1), seeds });
      const per = rng.perImage;
      const start = performance.now();
      const latent = await runSampler(sampler, {
        schedule: this.schedule,
        steps: req.steps,
        noise: rng.next(),
        nextNoise: () => rng.next(),
        model,
        onStep: async ({ step, steps, x }) => {
          const elapsedMs = performance.now() - start;
          const every = req.previewEvery ?? 0;
          // a batch previews its first image
          const preview = every > 0 && step % every === 0 && step < steps ? await this.preview(x.subarray(0, per), dims) : undefined;
          onProgress?.({ phase: 'denoise', image, images, step, steps, elapsedMs, etaMs: (elapsedMs / step) * (steps - step), preview });
          // let the realm's event loop run: a worker's cancel message arrives as a macrotask
          await yieldToEventLoop();
          cancelled();
        },
      });
      totals.denoiseMs += performance.now() - start;
      return Array.from({ length: n }, (_, k) => latent.slice(k * per, (k + 1) * per));
    };
    const decode = async (latent: Float32Array, seed: number, image: number, count: number, strength?: number) => {
      onProgress?.({ phase: 'decode', image, images: count });
      const d0 = performance.now();
      images.push({ image: await this.decode(latent, dims), seed, latent, ...(strength === undefined ? {} : { strength }) });
      totals.decodeMs += performance.now() - d0;
      cancelled();
    };

    let report: SweepReport | undefined;
    if (!sweep) {
      for (let i = 0; i < req.batchCount; i++) {
        const [latent] = await run(1, [req.seed + i], i, req.batchCount);
        await decode(latent!, req.seed + i, i, req.batchCount);
      }
    } else {
      const { strengths, index } = sweep;
      let plan = planSweep({ count: strengths.length, width: req.width, height: req.height, backend: this.info.backend, dynamicBatch: this.info.dynamicBatch, perImageStrength: this.perImageStrength, requested: sweep.mode });
      const stack = this.strengths;
      try {
        if (plan.mode === 'batched') {
          this.setStrengths(stack, this.sweptStrengths(index, strengths));
          let latents: Float32Array[] | null = null;
          try {
            latents = await run(strengths.length, strengths.map(() => req.seed), 0, 1);
          } catch (e) {
            // the memory budget is an estimate: a batch that does not fit runs again one image at a time
            if (!(e instanceof StudioError && e.code === 'out-of-memory') || sweep.mode === 'batched') throw e;
            plan = { mode: 'sequential', reason: `the batched run ran out of memory (${e.message.split('.')[0]}), so one image at a time` };
          }
          if (latents) for (const [k, latent] of latents.entries()) await decode(latent, req.seed, k, strengths.length, strengths[k]);
        }
        if (plan.mode === 'sequential') {
          for (const [k, strength] of strengths.entries()) {
            this.setStrengths(stack, this.sweptStrengths(index, [strength]));
            const [latent] = await run(1, [req.seed], k, strengths.length);
            await decode(latent!, req.seed, k, strengths.length, strength);
          }
        }
      } finally {
        this.setStrengths(stack);
      }
      report = { mode: plan.mode, reason: plan.reason, index, strengths: [...strengths], unetCalls: totals.unetCalls };
    }
    const { denoiseMs, decodeMs, unetCalls } = totals;
    return { images, hypernetTags: prepared.extraNetworks.hypernets, timings: { encodeMs, denoiseMs, decodeMs, unetCalls }, uploads, ...(report ? { sweep: report } : {}) };
  }

  private checkSweep(sweep: SweepRequest): SweepRequest {
    const bad = (msg: string): never => {
      throw new StudioError('bad-request', msg);
    };
    if (this.strengths.length === 0) bad('A strength sweep needs a hypernetwork in the stack.');
    if (!Number.isInteger(sweep.index) || sweep.index < 0 || sweep.index >= this.strengths.length) bad(`The stack has no hypernetwork #${sweep.index + 1}.`);
    if (!Array.isArray(sweep.strengths) || sweep.strengths.length < 1 || sweep.strengths.length > MAX_SWEEP) bad(`A sweep takes 1 to ${MAX_SWEEP} strengths.`);
    if (!sweep.strengths.every(Number.isFinite)) bad('Every sweep strength must be a finite number.');
    return sweep;
  }

  /**
   * A preview of the current latent: decoded by the VAE while that is cheap (latents up to 32×32, i.e. images
   * up to 256² on SD), else A1111's linear "approx cheap" map at latent resolution.
   */
  private async preview(x: Float32Array, dims: readonly number[]): Promise<RgbaImage> {
    const [, c, h, w] = dims as [number, number, number, number];
    return h * w <= 32 * 32 ? this.decode(x, dims) : latentPreview(x, c, h, w);
  }

  /** Latent [1, C, h, w] → RGBA, dividing by the VAE's scaling factor first (as `decode_first_stage`). */
  async decode(latent: Float32Array, dims: readonly number[]): Promise<RgbaImage> {
    const inv = Math.fround(1 / this.info.scalingFactor);
    const scaled = latent.map((v) => v * inv);
    const out = await this.vae.decode(scaled, dims);
    const [, , height, width] = out.dims as [number, number, number, number];
    return vaeOutputToRgba(out.data, width, height);
  }

  /** Frees every session (GPU buffers included). */
  async release(): Promise<void> {
    await Promise.all([this.textEncoder.session.release(), this.unet.session.release(), this.vae.session.release(), this.contextModel?.session.release()]);
  }

  get runtime(): Ort {
    return this.ort;
  }
}
