/**
 * The generation panel on WebGPU (Chromium's software SwiftShader adapter here: ~100× slower than WASM, so runs
 * are tiny), in one page so that the model loads once for everything a fresh WebGPU load is needed for:
 * - the backend shown is WebGPU with its adapter, and no WebGPU validation error is logged;
 * - the image matches the Node WASM result for the same request within a measured tolerance;
 * - the per-prompt U-Net inputs go up to the GPU once per run, and no GPU tensor outlives a run (the engine
 *   worker's test-only hooks, `?testHooks=1`, src/engine/test-hooks.ts, count them);
 * - a GPU device lost in the middle of a run (the hooks destroy onnxruntime's GPUDevice) is reported with its
 *   cause, the model reloads by itself with the settings kept, and the next run gives the image of before;
 * - a hypernetwork in the stack at strength 0 gives that base image bit for bit, at 1 a different one, and moving
 *   the slider creates no session.
 * Each WebGPU model load (session creation and shader warm-up) takes ~20 s on a quiet machine and minutes on a
 * busy one, hence one page and generous timeouts.
 */
import { mkdirSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import {
  downloadResult,
  fillForm,
  modelBar,
  openStudio,
  REFERENCE_FORM,
  requestFor,
  resultNames,
  shownStep,
  waitForModel,
  waitForNewResults,
  watchPage,
} from './support/generation-page.ts';
import { demoHypernetwork } from './support/demo-hypernetworks.ts';
import { compareRgba, nodeReference } from './support/node-reference.ts';
import { dropHypernetworks, expectDifferent, expectSame, generateImage, stackRow, waitForStack } from './support/stack-page.ts';
import { hookedWorker, type HookHost } from './support/test-hooks.ts';

/**
 * Measured here (SwiftShader, Euler a, CFG 7, seed 42, 64×64): 3 steps → max 1 level, 2 of 12,288 channel
 * values off by one; 20 steps → max 1, 3 values off by one. GPU float math (other fusions, reduction order,
 * FMA) moves activations by a few ulps, which only shows where a value sits on a rounding boundary of the final
 * 8-bit truncation; the difference did not grow with the step count. The bound allows 3× the measured max and
 * 10% of values off by one on average, while a wrong kernel or a precision bug gives tens of levels.
 */
export const WEBGPU_TOLERANCE = { max: 3, mean: 0.1 };

/**
 * One step by default (each U-Net step costs seconds on the software adapter); `WEBGPU_STEPS=20 npx playwright
 * test e2e/webgpu.spec.ts` compares a full run (~2 min more).
 */
const FORM = { ...REFERENCE_FORM, steps: Number(process.env.WEBGPU_STEPS ?? 1) };
/** The run that loses its device: long enough that the loss lands mid-run however late the page sees step 1. */
const LOSS_STEPS = 6;

test('WebGPU: matches Node WASM, keeps no GPU tensor; a lost device is reported and reloads to the same image; strengths 0 and 1', async ({ page }) => {
  test.setTimeout(2_400_000);
  const watch = await watchPage(page);
  const reference = nodeReference(requestFor(FORM));
  await openStudio(page, { backend: 'webgpu', testHooks: true });
  // session creation and shader warm-up take ~20 s on the software adapter
  await expect(page.getByTestId('model-load-step')).toHaveAttribute('data-phase', 'compile', { timeout: 180_000 });
  await expect(page.getByTestId('model-load-step')).toContainText('Compiling shaders');
  mkdirSync('test-results/screenshots', { recursive: true });
  await page.getByTestId('generation-panel').screenshot({ path: 'test-results/screenshots/generate-loading-webgpu.png' });
  await waitForModel(page, 600_000);
  await expect(page.getByTestId('backend-name')).toHaveText('WebGPU');
  const adapter = (await page.getByTestId('backend-adapter').innerText()).trim();
  test.info().annotations.push({ type: 'adapter', description: adapter });
  expect(adapter).toMatch(/\w/);
  expect(adapter).not.toBe('WebGPU adapter'); // the adapter's own vendor/architecture, not the fallback label

  let worker = await hookedWorker(page);
  const gpuTensors = () => worker.evaluate(() => ({ created: (globalThis as HookHost).__hnstudioTestHooks!.gpuTensorsCreated(), live: (globalThis as HookHost).__hnstudioTestHooks!.liveGpuTensors() }));
  const start = await gpuTensors();

  // 1. a run matches Node WASM; its text states (cond and uncond, one batch) went up once as one GPU tensor fed
  //    to every step, and nothing stays on the GPU
  await fillForm(page, FORM);
  await page.getByRole('button', { name: 'Generate' }).click();
  const first = await waitForNewResults(page, [], 300_000);
  await expect(page.getByTestId('run-summary')).toContainText('on WebGPU');
  expect(await gpuTensors()).toEqual({ created: start.created + 1, live: 0 });
  const before = await downloadResult(page);
  const ref = await reference;
  expect(before.parameters).toBe(ref.infotext);
  const diff = compareRgba(before.rgba, ref.rgba);
  test.info().annotations.push({ type: 'webgpu-vs-node-wasm', description: JSON.stringify(diff) });
  expect(diff.max, 'max abs difference per channel (levels)').toBeLessThanOrEqual(WEBGPU_TOLERANCE.max);
  expect(diff.mean, 'mean abs difference (levels)').toBeLessThanOrEqual(WEBGPU_TOLERANCE.mean);

  // 2. lose the device once a longer run is denoising
  await fillForm(page, { steps: LOSS_STEPS });
  await page.getByRole('button', { name: 'Generate' }).click();
  await expect.poll(() => shownStep(page), { timeout: 300_000 }).toBeGreaterThanOrEqual(1);
  const loss = await worker.evaluate(() => (globalThis as HookHost).__hnstudioTestHooks!.loseDevice());
  test.info().annotations.push({ type: 'device-lost-info', description: JSON.stringify(loss) });
  expect(loss.reason).toBe('destroyed');

  // the loss and its cause are reported; the model reloads by itself, the settings are kept
  await expect(page.getByTestId('generation-error')).toHaveAttribute('data-code', 'device-lost', { timeout: 120_000 });
  const message = page.getByTestId('generation-error-message');
  await expect(message).toContainText('The GPU device was lost (reason: destroyed');
  await expect(message).toContainText('The model is being reloaded; your settings are kept.');
  test.info().annotations.push({ type: 'reported', description: await message.innerText() });
  await expect(modelBar(page)).toHaveAttribute('data-status', 'ready', { timeout: 600_000 });
  await expect(page.getByTestId('backend-name')).toHaveText('WebGPU');
  const form = page.getByRole('form', { name: 'Generation settings' });
  await expect(form.getByLabel('Steps')).toHaveValue(String(LOSS_STEPS));
  await expect(form.getByLabel('Seed', { exact: true })).toHaveValue(String(FORM.seed));
  await expect(form.getByLabel('Prompt', { exact: true })).toHaveValue(FORM.prompt);

  // 3. the first run's settings on the reloaded model give the first run's image, bit for bit
  await fillForm(page, { steps: FORM.steps });
  const shown = await resultNames(page);
  await page.getByRole('button', { name: 'Generate' }).click();
  await waitForNewResults(page, shown.length ? shown : first, 300_000);
  const after = await downloadResult(page);
  expect(after.parameters).toBe(before.parameters);
  expect(after.width).toBe(before.width);
  expect(Buffer.from(after.rgba).equals(Buffer.from(before.rgba)), 'the image after the reload equals the one before the loss').toBe(true);
  worker = await hookedWorker(page);
  expect((await gpuTensors()).live, 'GPU tensors left after a run').toBe(0);

  // 4. the hypernetwork stack on this model: strength 0 is that image exactly, 1 changes it, the slider rebuilds nothing
  const stripes = demoHypernetwork('stripes');
  await dropHypernetworks(page, [stripes]);
  await page.getByRole('button', { name: `Add ${stripes.stem} to the stack` }).click();
  const row = stackRow(page, stripes.stem);
  await row.getByLabel(`Exact strength of ${stripes.stem}`).fill('0');
  const built = await waitForStack(page, [stripes.stem], 600_000);
  expectSame(await generateImage(page, 300_000), after, 'strength 0 gives the base image exactly');
  await row.getByRole('slider', { name: `Strength of ${stripes.stem}` }).fill('1');
  await expect(row).toHaveAttribute('data-strength', '1');
  const one = await generateImage(page, 300_000);
  expect(await waitForStack(page, [stripes.stem]), 'the slider creates no session').toBe(built);
  expectDifferent(one, after, 'strength 1 changes the image');

  // the forced loss itself is logged; nothing else may be
  const unexpected = (lines: string[]) => lines.filter((l) => !/lost|destroy/i.test(l));
  expect(unexpected(watch.webgpu), 'no WebGPU validation errors besides the loss').toEqual([]);
  expect(unexpected(watch.errors), 'no page or console errors besides the loss').toEqual([]);
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
  await expect.poll(() => watch.webgpu.length, { timeout: 30_000 }).toBeGreaterThan(0);
  expect(watch.webgpu.join('\n')).toContain('While calling [Device].CreateBuffer');
});
