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
  };
  if (backend === 'webgpu' && gpuOutputs?.length) {
    options.preferredOutputLocation = Object.fromEntries(gpuOutputs.map((n) => [n, 'gpu-buffer' as const]));
  }
  return options;
}
