/**
 * Watching onnxruntime's GPUDevice for loss while a WebGPU pipeline is loaded: a run that fails on a lost
 * device failed because of the loss, whatever onnxruntime said, and the report carries the device's own reason.
 */
import { StudioError } from '../core/errors.ts';
import type { Ort } from '../core/onnx/ort.ts';
import { ortGpuDevice, type GpuDeviceLostInfoLike } from '../core/onnx/residency.ts';

/** A GPU device being watched: `info` is set once `lost` resolves. */
export interface DeviceWatch {
  readonly lost: Promise<GpuDeviceLostInfoLike>;
  info: GpuDeviceLostInfoLike | null;
}

export async function watchDevice(ort: Ort): Promise<DeviceWatch | null> {
  const device = await ortGpuDevice(ort);
  if (!device?.lost) return null;
  const watch: DeviceWatch = { lost: device.lost, info: null };
  void device.lost.then((info) => {
    watch.info = info;
  });
  return watch;
}

/** How long a failed run waits for `GPUDevice.lost` to say whether the device was the cause. */
export const LOSS_GRACE_MS = 1000;

/** The loss info if the device is (or, within `ms`, becomes) lost; else null. */
export async function lossWithin(watch: DeviceWatch, ms: number): Promise<GpuDeviceLostInfoLike | null> {
  if (watch.info) return watch.info;
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([watch.lost, new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/** The loss as the UI reports it, with the device's own reason and message (the cause). */
export function deviceLostError(info: GpuDeviceLostInfoLike, during?: unknown): StudioError {
  const reason = info.reason || 'unknown';
  const message = info.message?.trim();
  const failed = during instanceof Error && during.message && !/cancel/i.test(during.message) ? ` The run failed with: ${during.message.slice(0, 200)}` : '';
  return new StudioError('device-lost', `The GPU device was lost (reason: ${reason}${message ? `; ${message}` : ''}).${failed}`, { reason, deviceMessage: message ?? '' });
}

