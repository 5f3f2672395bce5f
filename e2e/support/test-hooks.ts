/** The engine worker's test-only hooks (pages opened with `?testHooks=1`; src/engine/test-hooks.ts). */
import { expect, type Page, type Worker } from '@playwright/test';

export interface Hooks {
  loseDevice(): Promise<{ reason: string; message: string }>;
  liveGpuTensors(): number;
  gpuTensorsCreated(): number;
}
export type HookHost = { __hnstudioTestHooks?: Hooks };

/** The engine worker with its hooks installed (the one started last: a lost device restarts it). */
export async function hookedWorker(page: Page): Promise<Worker> {
  let found: Worker | undefined;
  await expect
    .poll(async () => {
      for (const w of [...page.workers()].reverse()) {
        if (await w.evaluate(() => !!(globalThis as HookHost).__hnstudioTestHooks).catch(() => false)) {
          found = w;
          return true;
        }
      }
      return false;
    }, { timeout: 90_000 })
    .toBe(true);
  return found!;
}

