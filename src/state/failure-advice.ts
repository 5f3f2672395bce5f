/**
 * Every failure with its cause and a way forward: what the panels say under an error, and which one-click fix
 * they offer. Pure: the UI renders it, the tests read it.
 */
import type { ModelInfo } from '../engine/api.ts';
import type { UiError } from './errors.ts';

export type FixAction =
  /** set the form to a smaller size (`width`×`height`) */
  | { kind: 'smaller-size'; width: number; height: number }
  /** batch count 1 */
  | { kind: 'single-image' }
  | { kind: 'reload-model' }
  | { kind: 'use-wasm' };

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
