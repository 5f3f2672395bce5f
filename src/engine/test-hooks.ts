/**
 * Test-only hooks in the engine worker, installed only when the page was opened with `?testHooks=1` (the client
 * then names the worker `TEST_HOOKS_WORKER`); in normal use this module is never even loaded. Playwright calls
 * them with `worker.evaluate(() => globalThis.__hnstudioTestHooks…)`.
 */
import { gpuTensorsCreated, liveGpuTensors, ortGpuDevice, type GpuDeviceLike, type GpuDeviceLostInfoLike } from '../core/onnx/residency.ts';

/** The worker name that turns the hooks on. */
export const TEST_HOOKS_WORKER = 'engine-test-hooks';

export interface TestHooks {
  /** destroys onnxruntime's GPUDevice (a forced device loss); resolves with the loss info */
  loseDevice(): Promise<{ reason: string; message: string }>;
  /** GPU tensors held by the engine now (0 between generations: no leaks) */
  liveGpuTensors(): number;
  /** GPU tensors created so far (contexts uploaded once per generation: one per U-Net context input) */
  gpuTensorsCreated(): number;
}

export function installTestHooks(): void {
  const hooks: TestHooks = {
    async loseDevice() {
      const ort = await import('onnxruntime-web/webgpu');
      const device = (await ortGpuDevice(ort)) as (GpuDeviceLike & { destroy?: () => void }) | null;
      if (!device?.destroy || !device.lost) throw new Error('No WebGPU device to lose: load a model on WebGPU first.');
      device.destroy();
      const info: GpuDeviceLostInfoLike = await device.lost;
      return { reason: info.reason ?? '', message: info.message ?? '' };
    },
    liveGpuTensors,
    gpuTensorsCreated,
  };
  (globalThis as { __hnstudioTestHooks?: TestHooks }).__hnstudioTestHooks = hooks;
}
