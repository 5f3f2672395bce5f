/**
 * One U-Net batch of a generation through its passes: the contexts held once, then the first pass (txt2img
 * from noise, or img2img from the init latent) and, with the hires fix, the upscale and the second pass at the
 * larger size, each with its own image RNG (the same seeds, A1111's `self.rng` remade for the hires shape).
 */
import { StudioError } from '../../errors.ts';
import type { ProgressFn, RgbaImage } from '../../progress.ts';
import { compVisModel, runSampler } from '../schedulers/index.ts';
import type { GenerationParts } from './generation.ts';
import { hiresInitLatents } from './hires-upscale.ts';
import { latentPreview } from './image.ts';
import { batchNoise } from './image-noise.ts';
import type { HiresPlan, SamplingPass } from './passes.ts';
import type { ContextUploads, GenerateRequest } from './types.ts';

export interface BatchContext {
  parts: GenerationParts;
  req: GenerateRequest;
  cond: Float32Array;
  uncond: Float32Array;
  tokens: number;
  first: SamplingPass;
  hires?: HiresPlan;
  /** img2img: the init latent of one image [1, C, h, w] (× scaling factor) */
  initLatent?: Float32Array;
  totals: { denoiseMs: number; unetCalls: number };
  uploads: ContextUploads;
  onProgress?: ProgressFn;
  cancelled(): void;
}

/** Resolves on the next macrotask: session runs may settle through microtasks only, starving messages. */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

const tile = (x: Float32Array, n: number): Float32Array => {
  const out = new Float32Array(x.length * n);
  for (let k = 0; k < n; k++) out.set(x, k * x.length);
  return out;
};

/** Denoises `seeds.length` images at once, hypernetwork i at perImage[i]; returns each image's final latent. */
export async function denoiseBatch(ctx: BatchContext, seeds: number[], perImage: readonly (readonly number[])[], image: number, count: number): Promise<Float32Array[]> {
  const { parts, req, totals, uploads } = ctx;
  const n = seeds.length;
  const unet = parts.unet;
  const feeds = unet.strengthFeeds(perImage);
  const condFeeds = await unet.contextFeeds(ctx.cond, ctx.tokens, n, feeds);
  const uncondFeeds = await unet.contextFeeds(ctx.uncond, ctx.tokens, n, feeds);
  // held for every step of every pass (uploaded once on WebGPU), freed however the run ends
  const contexts = unet.model.holdContexts(condFeeds, uncondFeeds, n, ctx.tokens, await parts.residency());
  uploads.residency = contexts.residency;
  uploads.contextBytes = Math.max(uploads.contextBytes, contexts.bytes);
  uploads.contextBytesPerEval = Math.max(uploads.contextBytesPerEval, contexts.bytesPerEval);
  const passCount = ctx.hires ? 2 : 1;

  const runPass = async (pass: SamplingPass, index: number, init: Float32Array | undefined): Promise<Float32Array> => {
    if (pass.skip) {
      if (!init) throw new StudioError('bad-request', 'A pass with no steps needs an init latent.');
      return init;
    }
    const batchDims = [n, ...pass.dims.slice(1)];
    const [, c, h, w] = pass.dims as [number, number, number, number];
    const per = c * h * w;
    const denoiser = compVisModel(parts.schedule, async (xIn, t) => {
      totals.unetCalls++;
      return unet.model.eps(xIn, batchDims, t, contexts, feeds);
    }, req.cfgScale);
    const { rng, brownian } = batchNoise(req, pass.dims.slice(1), seeds, pass.sampler, pass.brownianSigmas);
    const noise = rng.next();
    const start = performance.now();
    const latent = await runSampler(pass.sampler, {
      schedule: parts.schedule,
      steps: pass.plan.steps,
      plan: pass.plan,
      noise,
      ...(pass.start && init ? { initialLatent: pass.start(init, noise) } : {}),
      nextNoise: () => rng.next(),
      ...(brownian ? { brownian } : {}),
      model: denoiser,
      onStep: async ({ step, steps, x }) => {
        const elapsedMs = performance.now() - start;
        const every = req.previewEvery ?? 0;
        // a batch previews its first image; latents up to 32×32 are decoded, larger ones get A1111's cheap map
        let preview: RgbaImage | undefined;
        if (every > 0 && step % every === 0 && step < steps) preview = h * w <= 32 * 32 ? await parts.decode(x.subarray(0, per), pass.dims) : latentPreview(x.subarray(0, per), c, h, w);
        const passInfo = passCount > 1 ? { pass: { index, count: passCount } } : {};
        ctx.onProgress?.({ phase: 'denoise', image, images: count, step, steps, elapsedMs, etaMs: (elapsedMs / step) * (steps - step), preview, ...passInfo });
        // let the realm's event loop run: a worker's cancel message arrives as a macrotask
        await yieldToEventLoop();
        ctx.cancelled();
      },
    });
    totals.denoiseMs += performance.now() - start;
    return latent;
  };

  try {
    let latent = await runPass(ctx.first, 1, ctx.initLatent && tile(ctx.initLatent, n));
    const out = ctx.hires ? ctx.hires.pass.dims : ctx.first.dims;
    if (ctx.hires) {
      const init = await hiresInitLatents(parts, latent, n, ctx.first.dims, ctx.hires);
      ctx.cancelled();
      latent = await runPass(ctx.hires.pass, 2, init);
    }
    const per = out.slice(1).reduce((a, b) => a * b, 1);
    return Array.from({ length: n }, (_, k) => latent.slice(k * per, (k + 1) * per));
  } finally {
    contexts.dispose();
  }
}
