/**
 * The one place that decides how sessions are created: execution provider, optimisation level, where outputs
 * live. Returns plain data so the plan can be logged and tested; the runtime adds the weight files.
 */
import type { Backend, OrtSessionOptions } from './ort.ts';

export interface SessionPlanInput {
  backend: Backend;
  /** outputs that stay on the GPU between runs (WebGPU only), e.g. text states fed to every U-Net step */
  gpuOutputs?: readonly string[];
}

export function planSession({ backend, gpuOutputs }: SessionPlanInput): OrtSessionOptions {
  const options: OrtSessionOptions = {
    executionProviders: [backend],
    graphOptimizationLevel: 'all',
    // onnxruntime prints its warnings (e.g. VerifyEachNodeIsAssignedToAnEp: some nodes run on the CPU, which is
    // by design) with console.error on every load; errors (3) and fatal ones stay visible
    logSeverityLevel: 3,
  };
  if (backend === 'webgpu' && gpuOutputs?.length) {
    options.preferredOutputLocation = Object.fromEntries(gpuOutputs.map((n) => [n, 'gpu-buffer' as const]));
  }
  return options;
}
