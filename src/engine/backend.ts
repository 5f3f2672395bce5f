/**
 * Backend choice, made honestly before anything is loaded: the adapter is probed for its limits, the memory
 * plan (core/diffusion/pipeline/memory-plan.ts) says what fits where, and the choice says why. "Auto" prefers a
 * hardware GPU, then WASM, and takes a software adapter (SwiftShader: correct, ~100× slower than WASM) only
 * when WASM cannot hold the model. A choice that cannot work is refused with every reason and its fix.
 */
import { planNative, planWasm, planWebGpu, type BackendPlan, type DeviceFacts, type PlanInput, type PlanLimit } from '../core/diffusion/pipeline/memory-plan.ts';
import { StudioError } from '../core/errors.ts';
import type { Backend } from '../core/onnx/ort.ts';
import type { Runtime } from '../core/onnx/runtime.ts';
import type { BackendChoice } from './api.ts';

interface AdapterLike {
  features: { has(name: string): boolean };
  limits?: { maxBufferSize?: number; maxStorageBufferBindingSize?: number };
  info?: { vendor?: string; architecture?: string; description?: string; isFallbackAdapter?: boolean };
  isFallbackAdapter?: boolean;
}
export interface GpuLike {
  requestAdapter(options?: { powerPreference?: string }): Promise<AdapterLike | null>;
}

/** The adapter's facts, or why there is none. */
export interface AdapterProbe {
  readonly device: DeviceFacts | null;
  readonly missing: string | null;
}

export interface BackendDecision {
  readonly plan: BackendPlan;
  /** the adapter in use, when WebGPU */
  readonly adapter: string | null;
  /** why WebGPU (or the fastest option) is not in use, or what to expect of the one chosen */
  readonly reason: string | null;
  /** the WASM plan, for a fallback when WebGPU fails at session creation */
  readonly wasm: BackendPlan | null;
}

export function browserGpu(): GpuLike | undefined {
  return (globalThis.navigator as { gpu?: GpuLike } | undefined)?.gpu;
}

export async function probeAdapter(gpu: GpuLike | undefined): Promise<AdapterProbe> {
  if (!gpu) return { device: null, missing: 'This browser does not expose WebGPU (navigator.gpu is missing). Use a recent Chrome or Edge, or enable WebGPU in the browser flags.' };
  let adapter: AdapterLike | null = null;
  try {
    adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  } catch {
    adapter = null;
  }
  if (!adapter) return { device: null, missing: 'WebGPU found no usable GPU adapter (the GPU may be blocklisted or disabled: see chrome://gpu).' };
  const info = adapter.info ?? {};
  const name = [info.vendor, info.architecture || info.description].filter(Boolean).join(' ') || 'WebGPU adapter';
  return {
    device: {
      name,
      isFallback: Boolean(info.isFallbackAdapter ?? adapter.isFallbackAdapter),
      shaderF16: adapter.features.has('shader-f16'),
      maxBufferSize: adapter.limits?.maxBufferSize ?? 0,
      maxStorageBufferBindingSize: adapter.limits?.maxStorageBufferBindingSize ?? 0,
    },
    missing: null,
  };
}

/** `limits`: the plan's limits as data (details.limits), for the app's one-click fixes */
function refuse(reasons: string[], limits: PlanLimit[] = []): never {
  throw new StudioError('model-too-large', reasons.join(' '), { reasons, limits });
}

export function chooseBackend(choice: BackendChoice, runtime: Runtime, probe: AdapterProbe, input: PlanInput): BackendDecision {
  if (runtime.kind === 'native') {
    const backend = choice === 'webgpu' ? 'webgpu' : 'cpu';
    return { plan: planNative(input, backend), adapter: null, reason: null, wasm: null };
  }
  const wasm = planWasm(input);
  const gpu = probe.device ? planWebGpu(input, probe.device) : null;
  const device = probe.device;
  const gpuReason = !device ? probe.missing! : gpu!.fits ? null : gpu!.reasons.join(' ');
  const upcastNote = gpu?.upcast ? ` The adapter has no shader-f16, so the fp16 weights are converted to fp32 as they load (twice the GPU memory).` : '';
  switch (choice) {
    case 'wasm':
      if (!wasm.fits) refuse(wasm.reasons, wasm.limits);
      return { plan: wasm, adapter: null, reason: 'WASM was chosen in the settings.', wasm };
    case 'cpu':
      refuse(['Native CPU inference is for the command line; in the browser choose WASM.']);
    // eslint-disable-next-line no-fallthrough
    case 'webgpu':
      if (!device) refuse([probe.missing!]);
      if (!gpu!.fits) refuse(gpu!.reasons, gpu!.limits);
      return { plan: gpu!, adapter: device.name, reason: upcastNote.trim() || null, wasm: wasm.fits ? wasm : null };
    case 'auto': {
      if (device && !device.isFallback && gpu!.fits) return { plan: gpu!, adapter: device.name, reason: upcastNote.trim() || null, wasm: wasm.fits ? wasm : null };
      if (wasm.fits) {
        const why = device?.isFallback && gpu!.fits ? `The only WebGPU adapter (${device.name}) is a software renderer, about 100× slower than WASM here.` : gpuReason;
        return { plan: wasm, adapter: null, reason: `${why} Running on WASM instead.`, wasm };
      }
      if (device && gpu!.fits) {
        return { plan: gpu!, adapter: device.name, reason: `${wasm.reasons.join(' ')} The only WebGPU adapter (${device.name}) is a software renderer: expect minutes per step.${upcastNote}`, wasm: null };
      }
      refuse([...(gpuReason ? [gpuReason] : []), ...wasm.reasons], [...(gpu && !gpu.fits ? gpu.limits : []), ...wasm.limits]);
    }
  }
}

/**
 * The plan for a backend already chosen, at another size (the size a generation asks for): the same limits the
 * load checked, so a size that cannot run is refused with its reason instead of failing mid-run.
 */
export function planFor(backend: Backend, runtime: Runtime, probe: AdapterProbe, input: PlanInput): BackendPlan {
  if (runtime.kind === 'native') return planNative(input, backend);
  if (backend === 'webgpu' && probe.device) return planWebGpu(input, probe.device);
  return planWasm(input);
}

/** Refuses a plan that does not fit, with its reasons (`model-too-large`). */
export function requireFit(plan: BackendPlan, hires?: Size): void {
  if (plan.fits) return;
  if (!hires) refuse(plan.reasons, plan.limits);
  // the hires fix's second pass: the fix is a smaller upscale, not a smaller first pass (details.hires says so)
  const reasons = [`The hires fix's second pass at ${hires.width}x${hires.height} does not fit the loaded model:`, ...plan.reasons, 'Choose a smaller hires upscale or resize.'];
  throw new StudioError('model-too-large', reasons.join(' '), { reasons, limits: plan.limits, hires });
}

export interface Size {
  width: number;
  height: number;
}

/**
 * Sizes a load may plan and warm up at, in order: the one asked for (the form's, which may be another model's),
 * the model's own, then squares halving down to one size step. A model whose weights fit but whose attention at
 * its own size does not (a small-latent model at 512² on WASM) still loads; larger generations are refused.
 */
export function loadSizes(requested: Size, own: number, step: number): Size[] {
  const sizes: Size[] = [requested, { width: own, height: own }];
  for (let side = Math.floor(own / 2 / step) * step; side >= step; side = Math.floor(side / 2 / step) * step) sizes.push({ width: side, height: side });
  return sizes.filter((s, i) => sizes.findIndex((t) => t.width === s.width && t.height === s.height) === i);
}

/** The backend decision at the first of `sizes` where the model can run; the refusal at the first size if none. */
export function chooseAtSize(choose: (size: Size) => BackendDecision, sizes: readonly Size[]): { decision: BackendDecision; size: Size } {
  let first: unknown;
  for (const size of sizes) {
    try {
      return { decision: choose(size), size };
    } catch (e) {
      if (!(e instanceof StudioError && e.code === 'model-too-large')) throw e;
      first ??= e;
    }
  }
  throw first;
}
