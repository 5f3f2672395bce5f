/**
 * One generation: prompts encoded once, then for each image (or each batch of sweep images) the initial noise,
 * the sampler over the CFG'd U-Net and the VAE decode. Strengths come in with the call and go out as feeds;
 * nothing here changes the pipeline's state, so a sweep is just a generation whose strength feeds differ per
 * batch row (batched) or per image (sequential).
 */
import { StudioError } from '../../errors.ts';
import type { ProgressFn, RgbaImage } from '../../progress.ts';
import { applyEmphasis, flattenChunks, preparePrompts, PromptSyntaxError, type TokenizedPrompt } from '../prompt/index.ts';
import { compVisModel, runSampler, type DiscreteSchedule } from '../schedulers/index.ts';
import type { ClipTokenizer } from '../tokenizer/index.ts';
import type { TensorResidency } from '../../onnx/residency.ts';
import { latentPreview } from './image.ts';
import type { TextEncoderModel } from './networks.ts';
import { batchNoise, variationSeeds } from './image-noise.ts';
import { checkRequest } from './request-check.ts';
import { planSweep, type SweepReport } from './sweep.ts';
import type { ContextUploads, GeneratedImage, GenerateRequest, GenerateResult, PipelineInfo } from './types.ts';

export { checkRequest } from './request-check.ts';
import type { UnetStack } from './unet-stack.ts';

/** What a generation runs on (the pipeline's parts). */
export interface GenerationParts {
  readonly info: PipelineInfo;
  readonly tokenizer: ClipTokenizer;
  /** the text encoder's pad id after EOS (`OpenedModel.padId`) */
  readonly padId: number;
  readonly schedule: DiscreteSchedule;
  readonly textEncoder: TextEncoderModel;
  readonly unet: UnetStack;
  residency(): Promise<TensorResidency>;
  /** latent [n, C, h, w] (first image) → RGBA */
  decode(latent: Float32Array, dims: readonly number[]): Promise<RgbaImage>;
  /** opaque RGBA → latent [1, C, H/8, W/8] × the scaling factor (opens the VAE encoder on first use) */
  encode(image: RgbaImage, purpose: string): Promise<Float32Array>;
}

export interface GenerationOptions {
  /** the stack's strengths, in stack order */
  strengths: readonly number[];
  signal?: AbortSignal;
  onProgress?: ProgressFn;
}

/** Resolves on the next macrotask: session runs may settle through microtasks only, starving messages. */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

async function encodePrompt(parts: GenerationParts, p: TokenizedPrompt, clipSkip: number): Promise<Float32Array> {
  const { ids, weights, chunkCount } = flattenChunks(p, { eosId: parts.tokenizer.eosId, padId: parts.padId });
  const chunks = Array.from({ length: chunkCount }, (_, i) => Array.from(ids.subarray(i * 77, (i + 1) * 77)));
  const hidden = await parts.textEncoder.encode(chunks, clipSkip);
  return applyEmphasis(hidden, weights, parts.textEncoder.width);
}

export async function generate(parts: GenerationParts, req: GenerateRequest, { strengths, signal, onProgress }: GenerationOptions): Promise<GenerateResult> {
  const { dims, sampling } = checkRequest(req, parts.info, parts.unet.size, parts.schedule);
  const { sampler, plan: samplerPlan } = sampling;
  const cancelled = () => {
    if (signal?.aborted) throw new StudioError('cancelled', 'Generation was cancelled.');
  };
  const t0 = performance.now();
  onProgress?.({ phase: 'encode' });
  let prepared;
  try {
    prepared = preparePrompts(req.prompt, req.negativePrompt, parts.tokenizer);
  } catch (e) {
    if (e instanceof PromptSyntaxError) throw new StudioError('bad-prompt', `Prompt: ${e.message}`);
    throw e;
  }
  const cond = await encodePrompt(parts, prepared.positive, req.clipSkip ?? 1);
  const uncond = await encodePrompt(parts, prepared.negative, req.clipSkip ?? 1);
  const tokens = prepared.positive.chunks.length * 77;
  const encodeMs = performance.now() - t0;
  cancelled();

  const images: GeneratedImage[] = [];
  const totals = { denoiseMs: 0, decodeMs: 0, unetCalls: 0 };
  const uploads: ContextUploads = { residency: 'cpu', contextBytes: 0, contextBytesPerEval: 0 };
  const unet = parts.unet;
  const model = unet.model;

  /** denoises `seeds.length` images at once, hypernetwork i at perImage[i] (one value, or one per image) */
  const denoise = async (seeds: number[], perImage: readonly (readonly number[])[], image: number, count: number): Promise<Float32Array[]> => {
    const n = seeds.length;
    const batchDims = [n, ...dims.slice(1)];
    const feeds = unet.strengthFeeds(perImage);
    const condFeeds = await unet.contextFeeds(cond, tokens, n, feeds);
    const uncondFeeds = await unet.contextFeeds(uncond, tokens, n, feeds);
    // held for every step (uploaded once on WebGPU), freed however the run ends
    const contexts = model.holdContexts(condFeeds, uncondFeeds, n, tokens, await parts.residency());
    uploads.residency = contexts.residency;
    uploads.contextBytes = Math.max(uploads.contextBytes, contexts.bytes);
    uploads.contextBytesPerEval = Math.max(uploads.contextBytesPerEval, contexts.bytesPerEval);
    try {
      const denoiser = compVisModel(parts.schedule, async (xIn, t) => {
        totals.unetCalls++;
        return model.eps(xIn, batchDims, t, contexts, feeds);
      }, req.cfgScale);
      const { rng, brownian } = batchNoise(req, dims.slice(1), seeds, sampler, samplerPlan);
      const per = rng.perImage;
      const start = performance.now();
      const latent = await runSampler(sampler, {
        schedule: parts.schedule,
        steps: req.steps,
        plan: samplerPlan,
        noise: rng.next(),
        nextNoise: () => rng.next(),
        ...(brownian ? { brownian } : {}),
        model: denoiser,
        onStep: async ({ step, steps, x }) => {
          const elapsedMs = performance.now() - start;
          const every = req.previewEvery ?? 0;
          // a batch previews its first image; latents up to 32×32 are decoded, larger ones get A1111's cheap map
          const [, c, h, w] = dims as [number, number, number, number];
          const preview = every > 0 && step % every === 0 && step < steps ? (h * w <= 32 * 32 ? await parts.decode(x.subarray(0, per), dims) : latentPreview(x.subarray(0, per), c, h, w)) : undefined;
          onProgress?.({ phase: 'denoise', image, images: count, step, steps, elapsedMs, etaMs: (elapsedMs / step) * (steps - step), preview });
          // let the realm's event loop run: a worker's cancel message arrives as a macrotask
          await yieldToEventLoop();
          cancelled();
        },
      });
      totals.denoiseMs += performance.now() - start;
      return Array.from({ length: n }, (_, k) => latent.slice(k * per, (k + 1) * per));
    } finally {
      contexts.dispose();
    }
  };
  const decode = async (latent: Float32Array, seed: number, image: number, count: number, strength?: number) => {
    onProgress?.({ phase: 'decode', image, images: count });
    const d0 = performance.now();
    const subseed = variationSeeds(req, [seed])?.[0];
    images.push({ image: await parts.decode(latent, dims), seed, latent, ...(strength === undefined ? {} : { strength }), ...(subseed === undefined ? {} : { subseed }) });
    totals.decodeMs += performance.now() - d0;
    cancelled();
  };
  const stack = strengths.map((s) => [s]);

  let report: SweepReport | undefined;
  const sweep = req.sweep;
  if (!sweep) {
    // A1111: batch count runs of batch size images each, seeds seed, seed+1, … over all of them; a batch is one
    // U-Net call per step where the export takes a dynamic batch (else, or out of memory, one image at a time)
    const size = req.batchSize ?? 1;
    const total = req.batchCount * size;
    let perCall = parts.info.dynamicBatch ? size : 1;
    for (let first = 0; first < total; ) {
      const n = Math.min(perCall, size - (first % size));
      const seeds = Array.from({ length: n }, (_, k) => req.seed + first + k);
      let latents: Float32Array[];
      try {
        latents = await denoise(seeds, stack, first, total);
      } catch (e) {
        if (!(e instanceof StudioError && e.code === 'out-of-memory') || n === 1) throw e;
        perCall = 1;
        continue;
      }
      for (const [k, latent] of latents.entries()) await decode(latent, seeds[k]!, first + k, total);
      first += n;
    }
  } else {
    const { strengths: values, index } = sweep;
    const swept = (list: readonly number[]) => stack.map((s, i) => (i === index ? list : s));
    let plan = planSweep({ count: values.length, width: req.width, height: req.height, backend: parts.info.backend, dynamicBatch: parts.info.dynamicBatch, perImageStrength: unet.perImageStrength, requested: sweep.mode });
    if (plan.mode === 'batched') {
      let latents: Float32Array[] | null = null;
      try {
        latents = await denoise(values.map(() => req.seed), swept(values), 0, 1);
      } catch (e) {
        // the memory budget is an estimate: a batch that does not fit runs again one image at a time
        if (!(e instanceof StudioError && e.code === 'out-of-memory') || sweep.mode === 'batched') throw e;
        plan = { mode: 'sequential', reason: `the batched run ran out of memory (${e.message.split('.')[0]}), so one image at a time` };
      }
      if (latents) for (const [k, latent] of latents.entries()) await decode(latent, req.seed, k, values.length, values[k]);
    }
    if (plan.mode === 'sequential') {
      for (const [k, strength] of values.entries()) {
        const [latent] = await denoise([req.seed], swept([strength]), k, values.length);
        await decode(latent!, req.seed, k, values.length, strength);
      }
    }
    report = { mode: plan.mode, reason: plan.reason, index, strengths: [...values], unetCalls: totals.unetCalls };
  }
  const { denoiseMs, decodeMs, unetCalls } = totals;
  return { images, hypernetTags: prepared.extraNetworks.hypernets, timings: { encodeMs, denoiseMs, decodeMs, unetCalls }, uploads, ...(report ? { sweep: report } : {}) };
}
