/**
 * The one place that decides how sessions are created: execution provider, optimisation level, where
 * outputs live, external data. Returns plain data so the plan can be logged and tested.
 */
import type { Backend, OrtSessionOptions } from './ort.ts';

export interface SessionPlanInput {
  backend: Backend;
  /** external weight files the graph references (Optimum: `model.onnx_data`; surgery: the original bytes) */
  externalData?: readonly { path: string; data: Uint8Array }[];
  /** outputs that stay on the GPU between runs (WebGPU only), e.g. text states fed to every U-Net step */
  gpuOutputs?: readonly string[];
}

export function planSession({ backend, externalData, gpuOutputs }: SessionPlanInput): OrtSessionOptions {
  const options: OrtSessionOptions = {
    executionProviders: [backend],
    graphOptimizationLevel: 'all',
    // onnxruntime prints its warnings (e.g. VerifyEachNodeIsAssignedToAnEp: some nodes run on the CPU, which is
    // by design) with console.error on every load; errors (3) and fatal ones stay visible
    logSeverityLevel: 3,
  };
  if (externalData?.length) options.externalData = externalData.map(({ path, data }) => ({ path, data }));
  if (backend === 'webgpu' && gpuOutputs?.length) {
    options.preferredOutputLocation = Object.fromEntries(gpuOutputs.map((n) => [n, 'gpu-buffer' as const]));
  }
  return options;
}
