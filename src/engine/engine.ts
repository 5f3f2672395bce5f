/** The in-process engine: the CLI and tests call it directly; the worker exposes it to the page. */
import { transfer } from 'comlink';
import { requestInfotext } from '../core/diffusion/request-infotext.ts';
import type { ModelSource } from '../core/diffusion/pipeline/model-source.ts';
import { openModel, planInput } from '../core/diffusion/pipeline/open-model.ts';
import { StableDiffusionPipeline, type GenerateRequest, type MemoryProbe } from '../core/diffusion/pipeline/pipeline.ts';
import { fileStem, recipePrompt } from '../core/diffusion/prompt/hypernet-tags.ts';
import { StudioError } from '../core/errors.ts';
import { allWarnings, inspectHypernetwork, readHypernetwork, sizeRole, type Hypernetwork } from '../core/hypernetwork/index.ts';
import type { Ort } from '../core/onnx/ort.ts';
import type { Runtime } from '../core/onnx/runtime.ts';
import type { ProgressEvent } from '../core/progress.ts';
import type { BackendChoice, EngineApi, EngineFile, GenerateResponse, HypernetworkCard, LoadOptions, ModelInfo, ModelSpec, SizeRole, StackInfo, StackItem } from './api.ts';
import { hiresSize } from '../core/diffusion/pipeline/passes.ts';
import { chooseAtSize, chooseBackend, loadSizes, planFor, probeAdapter, requireFit, type AdapterProbe, type GpuLike } from './backend.ts';
import type { BackendPlan } from '../core/diffusion/pipeline/memory-plan.ts';
import { deviceLostError, lossWithin, LOSS_GRACE_MS, watchDevice, type DeviceWatch } from './device-watch.ts';
import { sourceFromSpec } from './model-sources.ts';
import { wasmHeapBytes, webRuntime } from './runtime.ts';

export interface EngineDeps {
  /** onnxruntime-web for this realm (`onnxruntime-web/webgpu` in the browser, `onnxruntime-web` in Node) */
  loadOrt?: () => Promise<Ort>;
  /** any runtime instead (the CLI's native onnxruntime); takes precedence over `loadOrt` */
  loadRuntime?: () => Promise<Runtime>;
  /** `navigator.gpu`, when the realm has one */
  gpu?: GpuLike;
  /** wasm threads (needs cross-origin isolation in the browser) */
  threads?: number;
}

/** JS memory in use, where the realm tells: Node's RSS, Chromium's JS heap. */
const memoryProbe: MemoryProbe = () => {
  const node = (globalThis as { process?: { memoryUsage?: () => { rss: number } } }).process;
  const chrome = (globalThis as { performance?: { memory?: { usedJSHeapSize?: number } } }).performance?.memory;
  return { jsBytes: node?.memoryUsage?.().rss ?? chrome?.usedJSHeapSize ?? null, wasmHeapBytes: wasmHeapBytes() };
};

export class Engine implements EngineApi {
  private pipeline: StableDiffusionPipeline | null = null;
  private modelInfo: ModelInfo | null = null;
  private running: AbortController | null = null;
  /** onnxruntime's GPU device, watched for loss while a WebGPU pipeline is loaded */
  private deviceLoss: DeviceWatch | null = null;
  /** the loaded model's memory plan at another size, on the backend it loaded on */
  private sizePlan: ((width: number, height: number) => BackendPlan) | null = null;
  private runtimePromise: Promise<Runtime> | null = null;
  /** hypernetworks read by `inspectHypernetwork(file, id)`: their weights are views of the transferred bytes */
  private readonly library = new Map<string, { hypernetwork: Hypernetwork; stem: string }>();
  /** A1111 tags of the stack in use, written into image parameters as A1111 writes them */
  private stackTags: { stem: string; strength: number }[] = [];

  constructor(private readonly deps?: EngineDeps) {}

  async inspectHypernetwork(file: EngineFile, id?: string): Promise<HypernetworkCard> {
    const hn = readHypernetwork(new Uint8Array(file.bytes), file.name);
    if (id !== undefined) this.library.set(id, { hypernetwork: hn, stem: fileStem(file.name) });
    const sizeRoles: Record<string, SizeRole> = {};
    for (const size of hn.sizes) sizeRoles[String(size)] = sizeRole(size);
    return {
      ...inspectHypernetwork(hn),
      fileName: file.name,
      fileSize: file.bytes.byteLength,
      sizeRoles,
      warnings: allWarnings(hn), // reader notes plus NaN/Inf weights
      optionalInfo: hn.meta.optionalInfo,
      legacyKeys: hn.meta.legacyKeys,
    };
  }

  private runtime(): Promise<Runtime> {
    const deps = this.deps;
    if (!deps?.loadRuntime && !deps?.loadOrt) throw new StudioError('backend-unavailable', 'This engine was built without an onnxruntime.');
    this.runtimePromise ??= deps.loadRuntime ? deps.loadRuntime() : deps.loadOrt!().then((ort) => webRuntime(ort, { threads: deps.threads }));
    return this.runtimePromise;
  }

  loadModel(spec: ModelSpec, backend: BackendChoice, onProgress?: (event: ProgressEvent) => void, options?: LoadOptions): Promise<ModelInfo> {
    return this.loadFrom(sourceFromSpec(spec), backend, onProgress, options);
  }

  /**
   * Loads from any `ModelSource` (the CLI passes a folder on disk): the folder is opened (no weights read), the
   * backend chosen from the memory plan at the size the user will generate at, then the sessions are created.
   * On "auto", a WebGPU load that fails falls back to WASM when the plan says WASM can hold the model, and the
   * model info carries both reasons.
   */
  async loadFrom(source: ModelSource, choice: BackendChoice, onProgress?: (event: ProgressEvent) => void, options: LoadOptions = {}): Promise<ModelInfo> {
    await this.unloadModel();
    const runtime = await this.runtime();
    const start = performance.now();
    const model = await openModel(source, onProgress);
    const own = model.config.defaultSize;
    const requested = { width: options.width ?? own, height: options.height ?? own };
    const probe = runtime.kind === 'web' ? await probeAdapter(this.deps?.gpu) : { device: null, missing: null };
    // the form's size may be another model's, or more than the backend holds for this one: plan at the first
    // size that runs; a generation at a size that cannot run is refused then, with its reason
    const { decision, size } = chooseAtSize((at) => chooseBackend(choice, runtime, probe, planInput(model, at.width, at.height)), loadSizes(requested, own, model.config.sizeStep));
    const smaller = size.width < own && size.width !== requested.width ? size : null;
    const create = (plan: typeof decision.plan) =>
      StableDiffusionPipeline.create(model, runtime, { backend: plan.backend, plan, onProgress, warmup: options.warmup === false ? false : size, probe: memoryProbe, openedAt: start });
    let pipeline: StableDiffusionPipeline;
    let fallbackReason = decision.reason;
    const sizeNote = smaller ? `At ${own}×${own} this model needs more memory than ${decision.plan.backend === 'wasm' ? 'WASM' : 'the backend'} has; it was loaded at ${smaller.width}×${smaller.height}, which fits; larger sizes are refused.` : null;
    try {
      pipeline = await create(decision.plan);
    } catch (e) {
      const wasm = decision.wasm;
      if (choice !== 'auto' || decision.plan.backend !== 'webgpu' || !wasm || (e instanceof StudioError && e.code === 'cancelled')) throw e;
      fallbackReason = `WebGPU failed on ${decision.adapter}: ${(e as Error).message} Running on WASM instead.`;
      pipeline = await create(wasm);
    }
    this.pipeline = pipeline;
    this.sizePlan = (width, height) => planFor(pipeline.info.backend, runtime, probe, planInput(model, width, height));
    this.deviceLoss = pipeline.info.backend === 'webgpu' && runtime.kind === 'web' ? await watchDevice(runtime.ort) : null;
    this.modelInfo = {
      ...pipeline.info,
      adapter: pipeline.info.backend === 'webgpu' ? decision.adapter : null,
      ...(smaller ? { defaultSize: smaller.width } : {}),
      fallbackReason: [fallbackReason, sizeNote].filter(Boolean).join(' ') || null,
      loadMs: performance.now() - start,
    };
    return this.modelInfo;
  }

  async generate(request: GenerateRequest, onProgress?: (event: ProgressEvent) => void): Promise<GenerateResponse> {
    const pipeline = this.pipeline;
    if (!pipeline) throw new StudioError('bad-request', 'No model is loaded yet.');
    if (this.running) throw new StudioError('bad-request', 'A generation is already running; cancel it first.');
    const controller = new AbortController();
    this.running = controller;
    try {
      const loss = this.deviceLoss;
      if (loss?.info) throw deviceLostError(loss.info);
      if (this.sizePlan && Number.isInteger(request.width) && Number.isInteger(request.height)) {
        requireFit(this.sizePlan(request.width, request.height));
        // the hires fix's second pass runs at its own, larger size: the loaded model must fit that too
        const hires = hiresSize(request);
        if (hires) requireFit(this.sizePlan(hires.width, hires.height), hires);
      }
      const generation = pipeline.generate(request, { signal: controller.signal, onProgress });
      // a run on a device lost mid-way may never settle: the loss ends it
      const result = loss ? await Promise.race([generation, loss.lost.then((info) => Promise.reject(deviceLostError(info)))]) : await generation;
      const swept = result.sweep ? this.stackTags[result.sweep.index]?.stem : undefined;
      const images = result.images.map(({ image, seed, strength, subseed }) => {
        // the infotext is the exact recipe: the prompt's hypernet tags are the stack applied, in order, at its values
        const prompt = recipePrompt(request.prompt, this.stackTags.map((t, i) => ({ name: t.stem, multiplier: i === result.sweep?.index && strength !== undefined ? strength : t.strength })));
        return {
          width: image.width,
          height: image.height,
          rgba: image.data.buffer as ArrayBuffer,
          seed,
          infotext: requestInfotext({ ...request, prompt }, subseed === undefined ? { seed } : { seed, subseed }, { name: pipeline.info.name, hash: pipeline.info.modelHash }),
          ...(strength === undefined ? {} : { strength }),
        };
      });
      const sweep = result.sweep && { ...result.sweep, hypernetwork: swept ?? '' };
      return transfer({ images, timings: result.timings, uploads: result.uploads, ...(sweep ? { sweep } : {}) }, images.map((i) => i.rgba));
    } catch (e) {
      // whatever onnxruntime said ("Failed to download data from buffer" after a destroy()), a run that failed on a
      // lost device failed because of the loss; `lost` settles a little after the failed read, so wait for it briefly
      const cancelled = e instanceof StudioError && e.code === 'cancelled';
      const lostInfo = cancelled || !this.deviceLoss ? null : await lossWithin(this.deviceLoss, LOSS_GRACE_MS);
      const error = lostInfo ? deviceLostError(lostInfo, e) : e;
      // sessions on a lost device cannot be released cleanly (it may never settle): drop them without waiting
      if (error instanceof StudioError && error.code === 'device-lost') void this.unloadModel().catch(() => undefined);
      throw error;
    } finally {
      this.running = null;
    }
  }

  async forgetHypernetwork(id: string): Promise<void> {
    this.library.delete(id);
  }

  async setHypernetworks(stack: StackItem[], onProgress?: (event: ProgressEvent) => void): Promise<StackInfo> {
    const pipeline = this.pipeline;
    if (!pipeline) throw new StudioError('bad-request', 'Load a model before applying hypernetworks.');
    if (this.running) throw new StudioError('bad-request', 'Wait for the generation to finish (or cancel it) before changing hypernetworks.');
    const entries = stack.map(({ id, strength, name }) => {
      const entry = this.library.get(id);
      if (!entry) throw new StudioError('bad-request', `Hypernetwork ${id} is not loaded in the engine.`);
      if (!Number.isFinite(strength)) throw new StudioError('bad-request', `Strength ${strength} is not a number.`);
      return { ...entry, stem: name ?? entry.stem, strength };
    });
    const { report, rebuilt } = await pipeline.setHypernetworks(entries, onProgress);
    this.stackTags = entries.map(({ stem, strength }) => ({ stem, strength }));
    return { rebuilt, sessionCreations: pipeline.sessionCreations, widths: report?.widths ?? [], unused: report?.unused ?? [] };
  }

  async cancel(): Promise<void> {
    this.running?.abort();
  }

  adapterFacts(): Promise<AdapterProbe> {
    return probeAdapter(this.deps?.gpu);
  }

  async unloadModel(): Promise<void> {
    this.running?.abort();
    const pipeline = this.pipeline;
    this.pipeline = null;
    this.modelInfo = null;
    this.deviceLoss = null;
    this.sizePlan = null;
    await pipeline?.release();
  }

  /** The pipeline in use (CLI and tests). */
  get loaded(): StableDiffusionPipeline | null {
    return this.pipeline;
  }
}
