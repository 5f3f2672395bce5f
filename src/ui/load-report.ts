/**
 * The "Load report" as rows of text: which backend and why, the memory plan, what was converted, and each load
 * phase's time and memory. Pure (unit-tested in Node); `LoadReportDetails` renders it. Sizes are binary (MiB,
 * GiB) because the limits they are compared with — WASM's 4 GiB heap, WebGPU's buffer sizes — are powers of two.
 */
import type { BackendChoice, ModelInfo } from '../state/model-types.ts';

const KIB = 1024;
const MIB = 1024 ** 2;
const GIB = 1024 ** 3;

/** 3_437_361_920 → "3.20 GiB", 1_048_576 → "1.0 MiB"; null (the realm could not tell) → "—". */
export function formatBinary(bytes: number | null): string {
  if (bytes === null || !Number.isFinite(bytes)) return '—';
  if (bytes >= GIB) return `${(bytes / GIB).toFixed(2)} GiB`;
  if (bytes >= MIB) return `${(bytes / MIB).toFixed(1)} MiB`;
  if (bytes >= KIB) return `${(bytes / KIB).toFixed(1)} KiB`;
  return `${bytes} B`;
}

export interface PhaseRow {
  phase: string;
  time: string;
  js: string;
  wasmHeap: string;
  gpu: string;
}

export interface ConversionRow {
  network: string;
  what: string;
  drift: string;
}

export interface LoadReportView {
  backend: string;
  why: string;
  plan: { label: string; value: string }[];
  conversions: ConversionRow[];
  phases: PhaseRow[];
}

function backendName(info: ModelInfo): string {
  if (info.backend === 'webgpu') return `WebGPU (${info.adapter ?? 'adapter'})`;
  if (info.backend === 'wasm') return 'WASM (CPU)';
  return 'native CPU';
}

/** The engine's reason when it gave one; else why the choice was the obvious one. */
function whyChosen(info: ModelInfo, choice: BackendChoice): string {
  if (info.fallbackReason) return info.fallbackReason;
  if (choice !== 'auto') return `${info.backend === 'webgpu' ? 'WebGPU' : 'WASM'} was chosen in the settings.`;
  return info.backend === 'webgpu' ? 'Auto: a hardware GPU whose limits fit the model at this size.' : 'Auto: the fastest backend that fits the model.';
}

const CONVERSION_TEXT = {
  upcast: { what: 'fp16 → fp32 at load (the adapter has no shader-f16)', drift: 'none: widening fp16 to fp32 is exact' },
  halve: { what: 'fp32 → fp16 at load', drift: 'fp16 rounding: a small drift against fp32 (see the README)' },
  attention: { what: 'attention scores computed in fp32', drift: 'less than fp16 scores; stops the NaN (black) images of SD 2.x 768-v in fp16' },
} as const;

export function loadReportView(info: ModelInfo, choice: BackendChoice): LoadReportView {
  const { plan, conversions, memory, weights } = info.load;
  const rows = [
    { label: 'Weights as they run', value: `${formatBinary(plan.weightBytes)}${plan.upcast ? ' (fp16 widened to fp32)' : ''}` },
    { label: 'Weights as stored', value: `text encoder ${formatBinary(weights.textEncoder)} · U-Net ${formatBinary(weights.unet)} · VAE ${formatBinary(weights.vae)}` },
    { label: 'Largest buffer', value: formatBinary(plan.largestBufferBytes) },
    {
      label: 'Limit',
      value:
        plan.limitBytes === null
          ? plan.backend === 'webgpu'
            ? 'per buffer: the adapter’s maxBufferSize (the browser does not say how much GPU memory there is)'
            : 'system memory'
          : `${formatBinary(plan.totalBytes)} estimated of ${formatBinary(plan.limitBytes)}`,
    },
  ];
  return {
    backend: backendName(info),
    why: whyChosen(info, choice),
    plan: rows,
    conversions: conversions.map((c) => ({
      network: c.network,
      what: `${CONVERSION_TEXT[c.change].what}: ${c.detail ?? `${formatBinary(c.fromBytes)} → ${formatBinary(c.toBytes)}`}`,
      drift: CONVERSION_TEXT[c.change].drift,
    })),
    phases: memory.map((m) => ({
      phase: m.phase,
      time: `${Math.round(m.ms)} ms`,
      js: formatBinary(m.jsBytes),
      wasmHeap: formatBinary(m.wasmHeapBytes),
      gpu: formatBinary(m.gpuBytesEstimate),
    })),
  };
}
