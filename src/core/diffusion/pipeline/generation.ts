/**
 * One generation: prompts encoded once (and an img2img init image once), then for each image (or each batch of
 * sweep images) its passes (denoise-batch.ts: txt2img or img2img, then the hires fix's second pass) and the
 * VAE decode. Strengths come in with the call and go out as feeds;
 * nothing here changes the pipeline's state, so a sweep is just a generation whose strength feeds differ per
 * batch row (batched) or per image (sequential).
 */
import { StudioError } from '../../errors.ts';
import type { ProgressFn, RgbaImage } from '../../progress.ts';
import { applyEmphasis, flattenChunks, preparePrompts, PromptSyntaxError, type TokenizedPrompt } from '../prompt/index.ts';
import type { DiscreteSchedule } from '../schedulers/index.ts';
import type { ClipTokenizer } from '../tokenizer/index.ts';
import type { TensorResidency } from '../../onnx/residency.ts';
import { prepareInitImage } from '../img2img/init-image.ts';
import { denoiseBatch, type BatchContext } from './denoise-batch.ts';
import { hiresPlan, img2imgPass, txt2imgPass } from './passes.ts';
import type { TextEncoderModel } from './networks.ts';
import { variationSeeds } from './image-noise.ts';
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

async function encodePrompt(parts: GenerationParts, p: TokenizedPrompt, clipSkip: number): Promise<Float32Array> {
  const { ids, weights, chunkCount } = flattenChunks(p, { eosId: parts.tokenizer.eosId, padId: parts.padId });
  const chunks = Array.from({ length: chunkCount }, (_, i) => Array.from(ids.subarray(i * 77, (i + 1) * 77)));
  const hidden = await parts.textEncoder.encode(chunks, clipSkip);
  return applyEmphasis(hidden, weights, parts.textEncoder.width);
}

export async function generate(parts: GenerationParts, req: GenerateRequest, { strengths, signal, onProgress }: GenerationOptions): Promise<GenerateResult> {
  const { dims, sampling } = checkRequest(req, parts.info, parts.unet.size, parts.schedule);
  const cancelled = () => {
    if (signal?.aborted) throw new StudioError('cancelled', 'Generation was cancelled.');
  };
  // the hires pass's sampler and schedule type are resolved (and refused if unknown) before any work
  const hires = req.hires ? hiresPlan(req, req.hires, parts.schedule, dims) : undefined;
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
  // img2img: the init image fitted, flattened and encoded once; every image of the run starts from it
  const init = req.init;
  const initLatent = init ? await parts.encode(prepareInitImage(init.image, req.width, req.height, init.resizeMode), 'img2img') : undefined;
  const encodeMs = performance.now() - t0;
  cancelled();

  const images: GeneratedImage[] = [];
  const totals = { denoiseMs: 0, decodeMs: 0, unetCalls: 0 };
  const uploads: ContextUploads = { residency: 'cpu', contextBytes: 0, contextBytesPerEval: 0 };
  const ctx: BatchContext = {
    parts,
    req,
    cond,
    uncond,
    tokens,
    first: init ? img2imgPass(parts.schedule, sampling, dims, req.steps, init.denoisingStrength) : txt2imgPass(sampling, dims),
    ...(hires ? { hires } : {}),
    ...(initLatent ? { initLatent } : {}),
    totals,
    uploads,
    ...(onProgress ? { onProgress } : {}),
    cancelled,
  };
  const outDims = hires ? hires.pass.dims : dims;
  const denoise = (seeds: number[], perImage: readonly (readonly number[])[], image: number, count: number) => denoiseBatch(ctx, seeds, perImage, image, count);
  const decode = async (latent: Float32Array, seed: number, image: number, count: number, strength?: number) => {
    onProgress?.({ phase: 'decode', image, images: count });
    const d0 = performance.now();
    const subseed = variationSeeds(req, [seed])?.[0];
    images.push({ image: await parts.decode(latent, outDims), seed, latent, ...(strength === undefined ? {} : { strength }), ...(subseed === undefined ? {} : { subseed }) });
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
    let plan = planSweep({ count: values.length, width: req.width, height: req.height, backend: parts.info.backend, dynamicBatch: parts.info.dynamicBatch, perImageStrength: parts.unet.perImageStrength, requested: sweep.mode });
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
