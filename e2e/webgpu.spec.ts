/**
 * The generation panel on WebGPU (Chromium's software SwiftShader adapter here: ~100× slower than wasm, so the
 * run is tiny). The backend shown must be WebGPU with its adapter, no WebGPU validation error may be logged,
 * and the image must match the Node WASM result for the same request within a measured tolerance.
 */
import { mkdirSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import {
  downloadResult,
  fillForm,
  openStudio,
  REFERENCE_FORM,
  requestFor,
  waitForModel,
  waitForNewResults,
  watchPage,
} from './support/generation-page.ts';
import { compareRgba, nodeReference } from './support/node-reference.ts';
import { hookedWorker, type HookHost } from './support/test-hooks.ts';

/**
 * Measured here (SwiftShader, Euler a, CFG 7, seed 42, 64×64): 3 steps → max 1 level, 2 of 12,288 channel
 * values off by one; 20 steps → max 1, 3 values off by one. GPU float math (other fusions, reduction order,
 * FMA) moves activations by a few ulps, which only shows where a value sits on a rounding boundary of the final
 * 8-bit truncation; the difference did not grow with the step count. The bound allows 3× the measured max and
 * 10% of values off by one on average, while a wrong kernel or a precision bug gives tens of levels.
 */
export const WEBGPU_TOLERANCE = { max: 3, mean: 0.1 };

/** 3 steps by default; `WEBGPU_STEPS=20 npx playwright test e2e/webgpu.spec.ts` measures a full run (~2 min). */
const FORM = { ...REFERENCE_FORM, steps: Number(process.env.WEBGPU_STEPS ?? 3) };

test('WebGPU: a short run completes on the WebGPU backend and matches the Node WASM image', async ({ page }) => {
  test.setTimeout(240_000);
  const watch = await watchPage(page);
  const reference = nodeReference(requestFor(FORM));
  // the hooks count the engine's GPU tensors: the run must feed GPU-resident contexts and leave none behind
  await openStudio(page, { backend: 'webgpu', testHooks: true });
  // session creation and shader warm-up take ~20 s on the software adapter
  await expect(page.getByTestId('model-load-step')).toHaveAttribute('data-phase', 'compile', { timeout: 90_000 });
  await expect(page.getByTestId('model-load-step')).toContainText('Compiling shaders');
  mkdirSync('test-results/screenshots', { recursive: true });
  await page.getByTestId('generation-panel').screenshot({ path: 'test-results/screenshots/generate-loading-webgpu.png' });
  await waitForModel(page, 120_000);
  await expect(page.getByTestId('backend-name')).toHaveText('WebGPU');
  const adapter = (await page.getByTestId('backend-adapter').innerText()).trim();
  test.info().annotations.push({ type: 'adapter', description: adapter });
  expect(adapter).toMatch(/\w/);
  expect(adapter).not.toBe('WebGPU adapter'); // the adapter's own vendor/architecture, not the fallback label

  const worker = await hookedWorker(page);
  const gpuTensors = () => worker.evaluate(() => ({ created: (globalThis as HookHost).__hnstudioTestHooks!.gpuTensorsCreated(), live: (globalThis as HookHost).__hnstudioTestHooks!.liveGpuTensors() }));
  const before = await gpuTensors();

  await fillForm(page, FORM);
  await page.getByRole('button', { name: 'Generate' }).click();
  await waitForNewResults(page, [], 150_000);
  await expect(page.getByTestId('run-summary')).toContainText('on WebGPU');
  // text states (cond+uncond as one batch) uploaded once and fed to all steps; nothing left on the GPU
  expect(await gpuTensors()).toEqual({ created: before.created + 1, live: 0 });

  const image = await downloadResult(page);
  const ref = await reference;
  expect(image.parameters).toBe(ref.infotext);
  const diff = compareRgba(image.rgba, ref.rgba);
  test.info().annotations.push({ type: 'webgpu-vs-node-wasm', description: JSON.stringify(diff) });
  expect(diff.max, 'max abs difference per channel (levels)').toBeLessThanOrEqual(WEBGPU_TOLERANCE.max);
  expect(diff.mean, 'mean abs difference (levels)').toBeLessThanOrEqual(WEBGPU_TOLERANCE.mean);

  expect(watch.webgpu, 'no WebGPU validation errors in the console').toEqual([]);
  expect(watch.errors, 'no page or console errors').toEqual([]);
});

test('the console watch catches a WebGPU validation error raised in a worker', async ({ page }) => {
  const watch = await watchPage(page);
  await openStudio(page, { backend: 'wasm', model: '/models/does-not-exist/' });
  await page.evaluate(async () => {
    // an invalid buffer (usage 0) in a worker: Chromium logs it only to the DevTools log
    const source = `(async () => {
      const adapter = await navigator.gpu.requestAdapter();
      const device = await adapter.requestDevice();
      device.createBuffer({ size: 4, usage: 0 });
      await device.queue.onSubmittedWorkDone();
      postMessage('done');
    })()`;
    const worker = new Worker(URL.createObjectURL(new Blob([source], { type: 'text/javascript' })));
    await new Promise((resolve) => (worker.onmessage = resolve));
  });
  await expect.poll(() => watch.webgpu.length, { timeout: 5_000 }).toBeGreaterThan(0);
  expect(watch.webgpu.join('\n')).toContain('While calling [Device].CreateBuffer');
});
