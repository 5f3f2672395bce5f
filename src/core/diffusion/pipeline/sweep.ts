/**
 * Strength sweeps: one hypernetwork of the stack at N strengths, same seed for every image, so only the
 * strength differs. Batched (one U-Net call per step for all N images, each batch row with its own strength
 * through the `[batch]` strength input) when the export and the memory budget allow it, else one image after
 * another. Pure: parsing, validation and the plan.
 */
import type { Backend } from '../../onnx/ort.ts';

/** The most strengths one sweep takes. */
export const MAX_SWEEP = 16;

export interface SweepRequest {
  /** index of the swept hypernetwork in the stack */
  index: number;
  /** one image per strength, in this order */
  strengths: number[];
  /** 'auto' (default): batched when the plan allows; the others force a mode (tests, benchmarks) */
  mode?: 'auto' | 'batched' | 'sequential';
}

export interface SweepReport {
  mode: 'batched' | 'sequential';
  /** why this mode was chosen */
  reason: string;
  index: number;
  strengths: number[];
  /** U-Net runs of the whole sweep (batched: one per sampler model call for all images) */
  unetCalls: number;
}

export type ParsedStrengths = { ok: true; strengths: number[] } | { ok: false; error: string };

/** "0, 0.25, 0.5" (commas, spaces or semicolons) → numbers; every item a finite number, 1…MAX_SWEEP items. */
export function parseStrengthList(text: string): ParsedStrengths {
  const items = text
    .split(/[\s,;]+/)
    .map((s) => s.trim())
    .filter(Boolean);
  if (items.length === 0) return { ok: false, error: 'Enter at least one strength, e.g. "0, 0.5, 1".' };
  if (items.length > MAX_SWEEP) return { ok: false, error: `A sweep takes at most ${MAX_SWEEP} strengths (got ${items.length}).` };
  const strengths: number[] = [];
  for (const item of items) {
    const v = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(item) ? Number(item) : NaN;
    if (!Number.isFinite(v)) return { ok: false, error: `"${item}" is not a number.` };
    strengths.push(v);
  }
  return { ok: true, strengths };
}

export function formatStrengthList(strengths: readonly number[]): string {
  return strengths.map((s) => String(s)).join(', ');
}

/**
 * Latent pixels (width·height·images, before the CFG doubling) a batched U-Net call may take. A 512² SD1
 * image is 262,144 pixels: four of them with CFG is a batch of 8 at 64×64 latents, a few hundred MB of
 * activations on top of the weights. Beyond this the sweep runs one image at a time.
 */
export const BATCH_PIXEL_BUDGET: Record<Backend, number> = { webgpu: 4 * 512 * 512, wasm: 4 * 512 * 512, cpu: 4 * 512 * 512 };

export interface SweepPlanInput {
  count: number;
  width: number;
  height: number;
  backend: Backend;
  /** the U-Net export takes any batch size */
  dynamicBatch: boolean;
  /** the patched U-Net takes one strength per batch row */
  perImageStrength: boolean;
  requested?: SweepRequest['mode'];
}

export function planSweep({ count, width, height, backend, dynamicBatch, perImageStrength, requested = 'auto' }: SweepPlanInput): { mode: 'batched' | 'sequential'; reason: string } {
  if (requested === 'sequential') return { mode: 'sequential', reason: 'one image at a time, as asked' };
  if (count === 1) return { mode: 'sequential', reason: 'a single strength' };
  if (!dynamicBatch) return { mode: 'sequential', reason: 'the U-Net export has a fixed batch size' };
  if (!perImageStrength) return { mode: 'sequential', reason: 'the U-Net takes one strength for the whole batch' };
  const pixels = count * width * height;
  if (requested !== 'batched' && pixels > BATCH_PIXEL_BUDGET[backend]) {
    return { mode: 'sequential', reason: `${count} images of ${width}×${height} exceed the batch memory budget` };
  }
  return { mode: 'batched', reason: `${count} images in one U-Net batch` };
}
