/**
 * Whether a model can run on a backend, predicted before anything is loaded from its tensor sizes and the
 * backend's limits, so the user gets the reason and the fix instead of a late `bad_alloc`:
 * - WASM: every session shares one 32-bit heap of 4 GiB; fp16 weights are computed in fp32 on the CPU (the
 *   runtime inserts casts and folds them), so they count at fp32 size. SD1.5 alone (U-Net 3.4 GB) nearly fills it.
 * - WebGPU: the browser does not say how much GPU memory there is, but it does say the largest buffer
 *   (`maxBufferSize`, `maxStorageBufferBindingSize`); the largest weight and the largest activation — the
 *   U-Net's self-attention scores, batch × heads × (h·w)² — must each fit one. fp16 weights need `shader-f16`,
 *   else they are converted to fp32 at load (twice the GPU memory).
 * - native CPU (CLI): system memory, no fixed limit; nothing is refused.
 * The estimates are deliberately simple and documented; README states how they compare with measurements.
 */
import type { Backend } from '../../onnx/ort.ts';
import { halfShare, type WeightStats } from '../../onnx/weights.ts';

export const WASM_HEAP_BYTES = 4 * 1024 ** 3;
/** what onnxruntime-web itself takes in the heap besides tensors (code, arenas, graph) */
const WASM_OVERHEAD = 256 * 1024 ** 2;
/** WebGPU's guaranteed minimum maxStorageBufferBindingSize, for adapters that report nothing */
const DEFAULT_BINDING = 128 * 1024 ** 2;

export interface DeviceFacts {
  /** "vendor architecture", for messages */
  readonly name: string;
  /** a software adapter (SwiftShader): correct but ~100× slower than WASM */
  readonly isFallback: boolean;
  readonly shaderF16: boolean;
  readonly maxBufferSize: number;
  readonly maxStorageBufferBindingSize: number;
}

/** The U-Net's shape where it matters for memory, from its config (defaults: SD 1.x). */
export interface UnetGeometry {
  /** attention heads of the first (highest-resolution) attention block */
  readonly heads: number;
  /** channels of the first block (320 for SD) */
  readonly channels: number;
  /** the VAE decoder's last (full-resolution) block width (128 for SD) */
  readonly vaeChannels: number;
  /** pixels per latent cell (8) */
  readonly vaeScale: number;
}

export interface PlanInput {
  readonly networks: { readonly textEncoder: WeightStats; readonly unet: WeightStats; readonly vae: WeightStats };
  readonly geometry: UnetGeometry;
  /** the image size to plan for (the warm-up size, then each generation's) */
  readonly width: number;
  readonly height: number;
  /** U-Net batch: images per call, doubled by CFG */
  readonly batch: number;
}

/**
 * Which limit a refusal ran into, as data for the app's one-click fix (the reasons are the text). Size limits
 * carry the size planned for, and `side` the largest square size that fits, where one does.
 */
export type PlanLimit =
  | { readonly kind: 'wasm-weights' }
  | { readonly kind: 'wasm-size' | 'gpu-attention' | 'gpu-vae'; readonly width: number; readonly height: number; readonly side?: number }
  | { readonly kind: 'gpu-weight' };

export interface BackendPlan {
  readonly backend: Backend;
  readonly fits: boolean;
  /** why not, each naming the network, the limit and the fix */
  readonly reasons: string[];
  /** the same as data, one per limit hit */
  readonly limits: PlanLimit[];
  /** fp16 weights are converted to fp32 at load (WebGPU without shader-f16) */
  readonly upcast: boolean;
  /** bytes the weights take on the device or in the heap (after any conversion) */
  readonly weightBytes: number;
  /** the largest activation buffer, and the limit it must fit (WebGPU) */
  readonly largestBufferBytes: number;
  /** estimated total against the limit (WASM heap), when there is one */
  readonly totalBytes: number;
  readonly limitBytes: number | null;
}

const GIB = 1024 ** 3;
const MIB = 1024 ** 2;
export const gib = (n: number): string => `${(n / GIB).toFixed(2)} GiB`;
const mib = (n: number): string => `${Math.round(n / MIB)} MiB`;

/** weights of a network as they run: fp16 counted at fp32 size when they are computed or stored as fp32 */
function asRun(stats: WeightStats, fp16Kept: boolean): number {
  return fp16Kept ? stats.totalBytes : stats.totalBytes * (1 + halfShare(stats));
}

/** Largest activations, per element size: U-Net attention scores, U-Net first-level maps, VAE full-size maps. */
export function activationBytes(input: PlanInput, elem: number): { scores: number; unetMaps: number; vaeMaps: number } {
  const { geometry: g, width, height, batch } = input;
  const cells = (width / g.vaeScale) * (height / g.vaeScale);
  return {
    scores: batch * g.heads * cells * cells * elem,
    unetMaps: batch * g.channels * cells * elem,
    vaeMaps: g.vaeChannels * width * height * elem,
  };
}

export function planWasm(input: PlanInput): BackendPlan {
  const { textEncoder, unet, vae } = input.networks;
  const weightBytes = asRun(textEncoder, false) + asRun(unet, false) + asRun(vae, false);
  const act = activationBytes(input, 4);
  // peak: the U-Net's scores twice (the MatMul output and the Softmax output), plus working maps
  const activations = Math.max(2 * act.scores + 8 * act.unetMaps, 4 * act.vaeMaps);
  const totalBytes = weightBytes * 1.05 + activations + WASM_OVERHEAD;
  const reasons: string[] = [];
  const limits: PlanLimit[] = [];
  if (totalBytes > WASM_HEAP_BYTES) {
    const weightsAlone = weightBytes * 1.05 + WASM_OVERHEAD > WASM_HEAP_BYTES;
    limits.push(weightsAlone ? { kind: 'wasm-weights' } : { kind: 'wasm-size', width: input.width, height: input.height });
    reasons.push(
      weightsAlone
        ? `WASM: the model's weights need ${gib(weightBytes)} as computed on the CPU (U-Net ${gib(asRun(unet, false))}), more than onnxruntime's 4 GiB WASM memory. Run it on a GPU (WebGPU) or with the command line (hnstudio generate, native onnxruntime).`
        : `WASM: at ${input.width}×${input.height} the model needs about ${gib(totalBytes)} (weights ${gib(weightBytes)}, U-Net attention ${mib(act.scores)}), more than onnxruntime's 4 GiB WASM memory. Choose a smaller size, or run it on a GPU.`,
    );
  }
  return { backend: 'wasm', fits: reasons.length === 0, reasons, limits, upcast: false, weightBytes, largestBufferBytes: Math.max(act.scores, act.vaeMaps), totalBytes, limitBytes: WASM_HEAP_BYTES };
}

/** The largest square size (a multiple of 64) whose U-Net attention scores fit `limit` bytes. */
export function largestSquare(input: PlanInput, elem: number, limit: number): number {
  const { heads, vaeScale } = input.geometry;
  const cells = Math.sqrt(limit / (input.batch * heads * elem));
  return Math.max(0, Math.floor((Math.sqrt(cells) * vaeScale) / 64) * 64);
}

export function planWebGpu(input: PlanInput, device: DeviceFacts): BackendPlan {
  const { textEncoder, unet, vae } = input.networks;
  const anyHalf = [textEncoder, unet, vae].some((s) => halfShare(s) > 0);
  const upcast = anyHalf && !device.shaderF16;
  const weightBytes = asRun(textEncoder, !upcast) + asRun(unet, !upcast) + asRun(vae, !upcast);
  const elem = halfShare(unet) > 0.5 && !upcast ? 2 : 4;
  const act = activationBytes(input, elem);
  const limit = Math.min(device.maxBufferSize || DEFAULT_BINDING, device.maxStorageBufferBindingSize || DEFAULT_BINDING);
  const largestWeight = Math.max(...[textEncoder, unet, vae].map((s) => s.largestBytes * (upcast && halfShare(s) > 0 ? 2 : 1)));
  const reasons: string[] = [];
  const limits: PlanLimit[] = [];
  const at = { width: input.width, height: input.height };
  if (largestWeight > limit) {
    limits.push({ kind: 'gpu-weight' });
    reasons.push(`WebGPU: the largest weight needs one ${mib(largestWeight)} buffer; ${device.name} allows ${mib(limit)}.`);
  }
  if (act.scores > limit) {
    const side = largestSquare(input, elem, limit);
    limits.push({ kind: 'gpu-attention', ...at, ...(side >= 64 ? { side } : {}) });
    reasons.push(
      `WebGPU: at ${input.width}×${input.height} the U-Net's self-attention needs one ${mib(act.scores)} buffer; ${device.name} allows ${mib(limit)}${side >= 64 ? `: choose ${side}×${side} or smaller` : ''}.`,
    );
  }
  if (act.vaeMaps > limit) limits.push({ kind: 'gpu-vae', ...at });
  if (act.vaeMaps > limit) reasons.push(`WebGPU: at ${input.width}×${input.height} the VAE decoder needs one ${mib(act.vaeMaps)} buffer; ${device.name} allows ${mib(limit)}.`);
  return { backend: 'webgpu', fits: reasons.length === 0, reasons, limits, upcast, weightBytes, largestBufferBytes: Math.max(act.scores, act.vaeMaps, largestWeight), totalBytes: weightBytes + 2 * act.scores, limitBytes: null };
}

/** Native onnxruntime on the CPU: system memory, nothing refused. */
export function planNative(input: PlanInput, backend: Backend): BackendPlan {
  const { textEncoder, unet, vae } = input.networks;
  const weightBytes = textEncoder.totalBytes + unet.totalBytes + vae.totalBytes;
  const act = activationBytes(input, 4);
  return { backend, fits: true, reasons: [], limits: [], upcast: false, weightBytes, largestBufferBytes: act.scores, totalBytes: weightBytes + 2 * act.scores, limitBytes: null };
}
