/**
 * Every failure with its cause and a way forward: what the panels say under an error, and which one-click fix
 * they offer. Pure: the UI renders it, the tests read it.
 */
import type { PlanLimit } from '../core/diffusion/pipeline/memory-plan.ts';
import type { ModelInfo } from '../engine/api.ts';
import type { UiError } from './errors.ts';
import type { BackendChoice } from './model-types.ts';

export type FixAction =
  /** set the form to a smaller size (`width`×`height`) */
  | { kind: 'smaller-size'; width: number; height: number }
  /** batch count 1 */
  | { kind: 'single-image' }
  | { kind: 'reload-model' }
  | { kind: 'use-wasm' }
  /** load the model again, planned and warmed up at `width`×`height` */
  | { kind: 'load-smaller'; width: number; height: number }
  | { kind: 'use-webgpu' };

export interface Advice {
  /** one sentence: what to do */
  action: string;
  fix: FixAction | null;
  /** the fix button's text */
  fixLabel?: string;
}

/** About 3/4 of each side, on the model's size grid, never below one step. */
export function smallerSize(width: number, height: number, step: number): { width: number; height: number } {
  const shrink = (v: number) => Math.max(step, Math.floor((v * 0.75) / step) * step);
  return { width: shrink(width), height: shrink(height) };
}

export function generationAdvice(error: UiError, ctx: { width: number; height: number; batchCount: number; sizeStep: number; backend: string | null }): Advice | null {
  switch (error.code) {
    case 'out-of-memory': {
      if (ctx.width > ctx.sizeStep || ctx.height > ctx.sizeStep) {
        const s = smallerSize(ctx.width, ctx.height, ctx.sizeStep);
        return {
          action: `The ${ctx.backend === 'webgpu' ? 'GPU' : 'engine'} ran out of memory at ${ctx.width}×${ctx.height}. Try ${s.width}×${s.height}, fewer sweep strengths or a batch count of 1; closing other GPU-heavy tabs also helps.`,
          fix: { kind: 'smaller-size', ...s },
          fixLabel: `Use ${s.width}×${s.height}`,
        };
      }
      return { action: 'Out of memory even at the smallest size: close other tabs, or switch to WASM.', fix: ctx.batchCount > 1 ? { kind: 'single-image' } : { kind: 'use-wasm' }, fixLabel: ctx.batchCount > 1 ? 'Batch count 1' : 'Switch to WASM' };
    }
    case 'device-lost':
      return { action: 'The GPU reset (a driver update, another app or tab, or a timeout). The model reloads by itself; generate again when it is ready.', fix: { kind: 'reload-model' }, fixLabel: 'Reload now' };
    case 'engine-crashed':
      return { action: 'The engine worker stopped (often out of memory). Reload the model, then try a smaller size.', fix: { kind: 'reload-model' }, fixLabel: 'Reload model' };
    case 'unsupported-op':
      return { action: 'This backend cannot run an operator of the model: switch to WASM, which runs every operator.', fix: { kind: 'use-wasm' }, fixLabel: 'Switch to WASM' };
    case 'no-model':
      return { action: 'Load a model (the demo loads with one click in the model bar).', fix: { kind: 'reload-model' }, fixLabel: 'Load model' };
    case 'model-too-large': {
      // refused before running: the size asked for needs more than the backend holds (the load fitted a smaller one)
      const limit = planLimits(error.details).find((l): l is SizeLimit => SIZE_LIMITS.has(l.kind));
      if (!limit) return null;
      const s = limit.side ? { width: Math.min(ctx.width, limit.side), height: Math.min(ctx.height, limit.side) } : smallerSize(ctx.width, ctx.height, ctx.sizeStep);
      return { action: `${ctx.width}×${ctx.height} needs more memory than this backend has for this model. Try ${s.width}×${s.height}.`, fix: { kind: 'smaller-size', ...s }, fixLabel: `Use ${s.width}×${s.height}` };
    }
    default:
      return null;
  }
}

export interface BackendAdvice {
  /** the cause, as the engine found it */
  cause: string;
  /** what to do about it */
  action: string;
}

/** Why the model runs on WASM when WebGPU was wanted, and how to get WebGPU; null when there is nothing to say. */
export function backendAdvice(info: ModelInfo | null, choice: string): BackendAdvice | null {
  if (!info || info.backend !== 'wasm' || choice === 'wasm' || !info.fallbackReason) return null;
  const reason = info.fallbackReason;
  if (/navigator\.gpu is missing|does not expose WebGPU/i.test(reason)) {
    return { cause: reason, action: 'Use Chrome or Edge 113 or later (on Linux enable chrome://flags/#enable-unsafe-webgpu, or start Chromium with --enable-unsafe-webgpu); Firefox and Safari need WebGPU turned on in their settings. Generation works meanwhile on WASM, only slower.' };
  }
  if (/no usable GPU adapter|blocklist/i.test(reason)) {
    return { cause: reason, action: 'Open chrome://gpu to see whether WebGPU is blocklisted for this GPU or driver; update the driver, or try chrome://flags/#ignore-gpu-blocklist. Generation works meanwhile on WASM, only slower.' };
  }
  if (/shader-f16/i.test(reason)) {
    return { cause: reason, action: 'This fp16 model needs the GPU feature shader-f16, which this adapter lacks: use an fp32 export of the model, or a GPU and browser with shader-f16 (Chrome 120+ on most recent GPUs).' };
  }
  return { cause: reason, action: 'Generation runs on WASM (CPU): slower, same images.' };
}

/** What a load needs to advise on a refusal: the backend asked for, and whether the adapter has shader-f16. */
export interface LoadAdviceContext {
  backendChoice: BackendChoice;
  /** null: not known (the adapter was not probed, or there is none) */
  shaderF16: boolean | null;
}

type SizeLimit = Extract<PlanLimit, { width: number }>;
const SIZE_LIMITS = new Set(['wasm-size', 'gpu-attention', 'gpu-vae']);
const KNOWN_LIMITS = new Set([...SIZE_LIMITS, 'wasm-weights', 'gpu-weight']);
/** SD's sizes are multiples of 64 in practice; the model's own grid is not known before it loads */
const LOAD_SIZE_STEP = 64;

/** The refusal's limits (details.limits, from the engine's memory plan), keeping only well-formed ones. */
function planLimits(details: Record<string, unknown>): PlanLimit[] {
  const raw = Array.isArray(details.limits) ? (details.limits as unknown[]) : [];
  return raw.filter((l): l is PlanLimit => {
    const kind = (l as { kind?: unknown } | null)?.kind;
    if (typeof kind !== 'string' || !KNOWN_LIMITS.has(kind)) return false;
    return !SIZE_LIMITS.has(kind) || (Number.isInteger((l as SizeLimit).width) && Number.isInteger((l as SizeLimit).height));
  });
}

function sizeAdvice(limit: SizeLimit): Advice {
  const { width, height } = limit;
  const target = limit.side ? { width: Math.min(width, limit.side), height: Math.min(height, limit.side) } : smallerSize(width, height, LOAD_SIZE_STEP);
  const what =
    limit.kind === 'gpu-attention'
      ? "the U-Net's self-attention needs a bigger buffer than the GPU allows"
      : limit.kind === 'gpu-vae'
        ? "the VAE decoder needs a bigger buffer than the GPU allows"
        : "the model needs more than WASM's 4 GiB memory";
  return {
    action: `At ${width}×${height} ${what}; the weights themselves fit. Load it at ${target.width}×${target.height} (the size you generate at).`,
    fix: { kind: 'load-smaller', ...target },
    fixLabel: `Load at ${target.width}×${target.height}`,
  };
}

/**
 * The fix for a load the memory plan refused (`model-too-large`): a smaller size when a per-size buffer is the
 * limit; when the weights alone exceed WASM's 4 GiB, a GPU (WebGPU with shader-f16, the model imported as fp16)
 * or the command line. Null for other errors.
 */
export function loadAdvice(error: UiError, ctx: LoadAdviceContext): Advice | null {
  if (error.code !== 'model-too-large') return null;
  const limits = planLimits(error.details);
  const size = limits.find((l): l is SizeLimit => SIZE_LIMITS.has(l.kind));
  if (size) return sizeAdvice(size);
  const gpuFailed = limits.some((l) => l.kind.startsWith('gpu-'));
  if (limits.some((l) => l.kind === 'wasm-weights')) {
    const gpu =
      ctx.shaderF16 === true
        ? 'This GPU has shader-f16: choose WebGPU, and import the fp32 model again with “Convert to fp16” for half the GPU memory.'
        : 'On a GPU with shader-f16, choose WebGPU and import the model with “Convert to fp16” (half the GPU memory).';
    const offerGpu = ctx.backendChoice === 'wasm' && !gpuFailed;
    return {
      action: `The weights alone need more than WASM's 4 GiB memory, at any size. ${gpu} Or generate with the command line (hnstudio generate), which runs natively without the 4 GiB limit.`,
      fix: offerGpu ? { kind: 'use-webgpu' } : null,
      ...(offerGpu ? { fixLabel: 'Switch to WebGPU' } : {}),
    };
  }
  if (gpuFailed) {
    return { action: "A weight of this model is larger than this GPU's largest buffer, at any size: use the command line (hnstudio generate), or a GPU with larger buffers.", fix: null };
  }
  return null;
}
