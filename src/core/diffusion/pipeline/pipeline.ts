/**
 * Text → image with A1111's numbers, over onnxruntime sessions: `openModel` reads the folder (no weights),
 * the memory plan says whether and how it can run, `create` makes the sessions (largest first, weights read
 * tensor by tensor), `generate` runs one request (generation.ts), and the U-Net's hypernetwork stack lives in
 * unet-stack.ts. Runs wherever onnxruntime runs (worker, Node).
 */
import { StudioError } from '../../errors.ts';
import type { Hypernetwork } from '../../hypernetwork/types.ts';
import type { Backend } from '../../onnx/ort.ts';
import { exposeClipSkip } from '../../onnx/clip-skip.ts';
import { decodeModel, encodeModel } from '../../onnx/proto.ts';
import { residencyFor, type TensorResidency } from '../../onnx/residency.ts';
import type { Runtime } from '../../onnx/runtime.ts';
import { halfShare } from '../../onnx/weights.ts';
import type { ProgressFn, RgbaImage } from '../../progress.ts';
import { generate as runGeneration } from './generation.ts';
import { rgbaToVaeInput, vaeOutputToRgba } from './image.ts';
import { createVaeEncoder, LazyVaeEncoder } from './vae-encoder.ts';
import { planNative, planWasm, type BackendPlan } from './memory-plan.ts';
import { attentionWidths, packageOf, type NetworkGraph } from './network-graph.ts';
import { runnableNetworks } from './load-precision.ts';
import { TextEncoderModel, VaeDecoderModel } from './networks.ts';
import { openModel, planInput, type OpenedModel } from './open-model.ts';
import type { ModelSource } from './model-source.ts';
import type { GenerateRequest, GenerateResult, MemorySample, PipelineInfo } from './types.ts';
import { UnetStack, type StackChange } from './unet-stack.ts';

export type * from './types.ts';
export type { StackChange };

/** JS memory and wasm heap right now, where the realm can tell (the engine supplies it). */
export type MemoryProbe = () => { jsBytes: number | null; wasmHeapBytes: number | null };

export interface CreateOptions {
  backend: Backend;
  /** the plan the backend was chosen by (the engine's); planned here for `backend` at the default size if absent */
  plan?: BackendPlan;
  onProgress?: ProgressFn;
  /**
   * Compile shaders at load by running each network once at this size — the size the user will generate at.
   * False: the first generation pays for it.
   */
  warmup?: { width: number; height: number } | false;
  probe?: MemoryProbe;
  /** when the model was opened (performance.now()), so the report's first phase covers it */
  openedAt?: number;
}

/** A hypernetwork in the U-Net, with its multiplier. */
export interface AppliedHypernetwork {
  readonly hypernetwork: Hypernetwork;
  readonly strength: number;
}

/**
 * The text encoder's graph with a `clip_skip` input (A1111's clip skip), and its layer count; the graph as it is
 * (layers null) when its layers cannot be found — clip skip 1 still works.
 */
function withClipSkip(net: NetworkGraph): { graph: Uint8Array; layers: number | null } {
  const model = decodeModel(net.skeleton);
  try {
    const layers = exposeClipSkip(model);
    return { graph: encodeModel(model), layers };
  } catch (e) {
    if (e instanceof StudioError && e.code === 'unsupported-model') return { graph: net.skeleton, layers: null };
    throw e;
  }
}

/** The plan for a backend where nothing better is known (CLI, tests): at the model's default size. */
export function defaultPlan(model: OpenedModel, runtime: Runtime, backend: Backend): BackendPlan {
  const input = planInput(model, model.config.defaultSize, model.config.defaultSize);
  if (runtime.kind === 'native') return planNative(input, backend);
  if (backend === 'wasm') return planWasm(input);
  // WebGPU limits are the engine's to probe; without them only the weights' precision is known
  return { ...planNative(input, backend), upcast: false };
}

export class StableDiffusionPipeline {
  /** the stack's strengths, in order: the one place they live on this side of the worker */
  private strengths: readonly number[] = [];
  private residencyChoice: Promise<TensorResidency> | null = null;
  /** the VAE encoder, opened by the first request that needs it (img2img, an image hires upscaler) */
  private readonly encoder = new LazyVaeEncoder((purpose) => createVaeEncoder(this.runtime, this.model.source, this.info.load.plan, this.info.latentChannels, purpose));

  private constructor(
    readonly info: PipelineInfo,
    private readonly model: OpenedModel,
    private readonly runtime: Runtime,
    private readonly textEncoder: TextEncoderModel,
    private readonly unet: UnetStack,
    private readonly vae: VaeDecoderModel,
  ) {}

  /** Opens `source` and creates its sessions on `backend` (refused up front when the plan says it cannot fit). */
  static async load(source: ModelSource, runtime: Runtime, opts: CreateOptions): Promise<StableDiffusionPipeline> {
    const openedAt = performance.now();
    const model = await openModel(source, opts.onProgress);
    return StableDiffusionPipeline.create(model, runtime, { openedAt, ...opts });
  }

  static async create(model: OpenedModel, runtime: Runtime, opts: CreateOptions): Promise<StableDiffusionPipeline> {
    const { backend, onProgress } = opts;
    const plan = opts.plan ?? defaultPlan(model, runtime, backend);
    if (!plan.fits) throw new StudioError('model-too-large', plan.reasons.join(' '), { backend, reasons: plan.reasons, limits: plan.limits });
    const memory: MemorySample[] = [];
    let t = opts.openedAt ?? performance.now();
    const sample = (phase: string, gpuBytesEstimate: number | null) => {
      const now = performance.now();
      const probed = opts.probe?.() ?? { jsBytes: null, wasmHeapBytes: null };
      memory.push({ phase, ms: now - t, ...probed, gpuBytesEstimate });
      t = now;
    };
    sample('open', null);
    // fp16 weights widened where the adapter lacks shader-f16; attention upcast where the model needs it
    const { nets, conversions } = runnableNetworks(model, plan);
    const gpu = backend === 'webgpu';
    let onDevice = 0;
    const made: { release(): Promise<unknown> }[] = [];
    try {
      // the largest network first, while memory is least fragmented
      onProgress?.({ phase: 'load', file: 'unet/model.onnx', index: 5, files: 8 });
      const unet = await UnetStack.create(runtime, backend, nets.unet);
      made.push(unet);
      onDevice += nets.unet.stats.totalBytes;
      sample('U-Net session', gpu ? onDevice : null);
      onProgress?.({ phase: 'load', file: 'text_encoder/model.onnx', index: 6, files: 8 });
      const text = withClipSkip(nets.textEncoder);
      const textEncoder = new TextEncoderModel(runtime.ort, await runtime.createSession(packageOf(nets.textEncoder, text.graph), { backend }), text.layers);
      made.push(textEncoder.session);
      onDevice += nets.textEncoder.stats.totalBytes;
      sample('text encoder session', gpu ? onDevice : null);
      onProgress?.({ phase: 'load', file: 'vae_decoder/model.onnx', index: 7, files: 8 });
      const vae = new VaeDecoderModel(runtime.ort, await runtime.createSession(packageOf(nets.vae), { backend }));
      made.push(vae.session);
      onDevice += nets.vae.stats.totalBytes;
      sample('VAE decoder session', gpu ? onDevice : null);

      const sig = unet.model.sig;
      if (sig.contextWidth !== null && sig.contextWidth !== textEncoder.width) {
        throw new StudioError('unsupported-model', `The U-Net expects ${sig.contextWidth}-wide text states but the text encoder gives ${textEncoder.width}.`);
      }
      const { config } = model;
      const info: PipelineInfo = {
        name: model.name,
        backend,
        textWidth: textEncoder.width,
        latentChannels: unet.model.latentChannels,
        vaeScale: config.vaeScale,
        scalingFactor: config.scalingFactor,
        timestepType: sig.timestep.type,
        dynamicBatch: sig.dynamicBatch,
        defaultSize: config.defaultSize,
        sizeStep: config.sizeStep,
        modelHash: model.modelHash,
        precision: halfShare(nets.unet.stats) > 0.5 ? 'fp16' : 'fp32',
        clipSkipMax: textEncoder.clipSkipLayers ?? 1,
        attentionWidths: attentionWidths(nets.unet),
        load: {
          plan,
          conversions,
          memory,
          weights: { textEncoder: model.networks.textEncoder.stats.totalBytes, unet: model.networks.unet.stats.totalBytes, vae: model.networks.vae.stats.totalBytes },
        },
      };
      const pipeline = new StableDiffusionPipeline(info, model, runtime, textEncoder, unet, vae);
      if (opts.warmup) {
        await pipeline.warmup(opts.warmup.width, opts.warmup.height, onProgress);
        sample('warm-up', gpu ? onDevice : null);
      }
      return pipeline;
    } catch (e) {
      await Promise.all(made.map((m) => m.release().catch(() => undefined)));
      throw e;
    }
  }

  /** One run of each network at width × height: shader compilation happens here, not in the first image. */
  private async warmup(width: number, height: number, onProgress?: ProgressFn): Promise<void> {
    const { latentChannels: c, vaeScale } = this.info;
    const [h, w] = [height / vaeScale, width / vaeScale];
    onProgress?.({ phase: 'compile', model: 'text encoder' });
    const empty = await this.textEncoder.encode([this.model.tokenizer.encodePadded('')]);
    onProgress?.({ phase: 'compile', model: 'U-Net' });
    const feeds = await this.unet.contextFeeds(empty, 77, 1, null);
    const contexts = this.unet.model.holdContexts(feeds, feeds, 1, 77, await this.residency());
    try {
      await this.unet.model.eps(new Float32Array(c * h * w), [1, c, h, w], 500, contexts);
    } finally {
      contexts.dispose();
    }
    onProgress?.({ phase: 'compile', model: 'VAE decoder' });
    await this.vae.decode(new Float32Array(c * h * w), [1, c, h, w]);
  }

  /** sessions created since load (instrumented: moving a strength slider must create none) */
  get sessionCreations(): number {
    return this.unet.sessionCreations + 2;
  }

  /**
   * Puts hypernetworks into the U-Net, in order, with their strengths. Only a change of the set, order or
   * structure rebuilds sessions; a strength change only changes a graph input. An empty list restores the
   * original U-Net. The next generation compiles any new shaders.
   */
  async setHypernetworks(applied: readonly AppliedHypernetwork[], onProgress?: ProgressFn): Promise<StackChange> {
    const change = await this.unet.apply(applied.map((a) => a.hypernetwork), onProgress);
    this.strengths = applied.map((a) => a.strength);
    return change;
  }

  /** Where per-generation contexts live: on onnxruntime's GPU device on WebGPU, else CPU tensors. */
  private residency(): Promise<TensorResidency> {
    this.residencyChoice ??= residencyFor(this.runtime.ort, this.info.backend);
    return this.residencyChoice;
  }

  generate(req: GenerateRequest, { signal, onProgress }: { signal?: AbortSignal; onProgress?: ProgressFn } = {}): Promise<GenerateResult> {
    const parts = {
      info: this.info,
      tokenizer: this.model.tokenizer,
      padId: this.model.padId,
      schedule: this.model.schedule,
      textEncoder: this.textEncoder,
      unet: this.unet,
      residency: () => this.residency(),
      decode: (latent: Float32Array, dims: readonly number[]) => this.decode(latent, dims),
      encode: (image: RgbaImage, purpose: string) => this.encode(image, purpose),
    };
    return runGeneration(parts, req, { strengths: this.strengths, signal, onProgress });
  }

  /** Latent [1, C, h, w] → RGBA, dividing by the VAE's scaling factor first (as `decode_first_stage`). */
  async decode(latent: Float32Array, dims: readonly number[]): Promise<RgbaImage> {
    const inv = Math.fround(1 / this.info.scalingFactor);
    const scaled = latent.map((v) => v * inv);
    const out = await this.vae.decode(scaled, dims);
    const [, , height, width] = out.dims as [number, number, number, number];
    return vaeOutputToRgba(out.data, width, height);
  }

  /** RGBA → the latent mean × the scaling factor (`get_first_stage_encoding`), opening the encoder on first use. */
  async encode(image: RgbaImage, purpose: string): Promise<Float32Array> {
    const encoder = await this.encoder.get(purpose);
    const out = await encoder.encode(rgbaToVaeInput(image), [1, 3, image.height, image.width]);
    const scale = Math.fround(this.info.scalingFactor);
    return out.data.map((v) => v * scale);
  }

  /** Frees every session (GPU buffers included). */
  async release(): Promise<void> {
    await Promise.all([this.textEncoder.session.release(), this.unet.release(), this.vae.session.release(), this.encoder.release()]);
  }

  get ort(): Runtime['ort'] {
    return this.runtime.ort;
  }
}
