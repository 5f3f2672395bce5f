/**
 * A lost GPU device on the WebGPU backend, end to end: the engine worker's test-only hook (`?testHooks=1`,
 * src/engine/test-hooks.ts) destroys onnxruntime's GPUDevice in the middle of a run. The UI must report the loss
 * with its cause, reload the model by itself (settings kept), and the next run must give the same image as the
 * run before the loss. The hooks also count the engine's live GPU tensors: none may outlive a run.
 * Tiny runs: the software adapter takes ~4 s per U-Net call at 64×64.
 */
import { expect, test } from '@playwright/test';
import { downloadResult, fillForm, modelBar, openStudio, REFERENCE_FORM, resultNames, shownStep, waitForModel, waitForNewResults, watchPage } from './support/generation-page.ts';
import { hookedWorker, type HookHost } from './support/test-hooks.ts';

const FORM = { ...REFERENCE_FORM, steps: 3 };

test('WebGPU device loss mid-run: reported with its cause, the model reloads, the next image matches the one before', async ({ page }) => {
  test.setTimeout(480_000);
  const watch = await watchPage(page);
  await openStudio(page, { backend: 'webgpu', testHooks: true });
  await waitForModel(page, 150_000);
  await expect(page.getByTestId('backend-name')).toHaveText('WebGPU');

  let worker = await hookedWorker(page);
  const created = await worker.evaluate(() => (globalThis as HookHost).__hnstudioTestHooks!.gpuTensorsCreated());
  await fillForm(page, FORM);
  await page.getByRole('button', { name: 'Generate' }).click();
  const first = await waitForNewResults(page, [], 150_000);
  const before = await downloadResult(page);
  // the run's text states (cond and uncond, one batch) went up once, as one GPU tensor fed to every step
  expect(await worker.evaluate(() => (globalThis as HookHost).__hnstudioTestHooks!.gpuTensorsCreated())).toBe(created + 1);
  expect(await worker.evaluate(() => (globalThis as HookHost).__hnstudioTestHooks!.liveGpuTensors()), 'GPU tensors left after a run').toBe(0);

  // lose the device once the next run is denoising
  await page.getByRole('button', { name: 'Generate' }).click();
  await expect.poll(() => shownStep(page), { timeout: 60_000 }).toBeGreaterThanOrEqual(1);
  const loss = await worker.evaluate(() => (globalThis as HookHost).__hnstudioTestHooks!.loseDevice());
  test.info().annotations.push({ type: 'device-lost-info', description: JSON.stringify(loss) });
  expect(loss.reason).toBe('destroyed');

  // the loss and its cause are reported; the model reloads by itself
  const error = page.getByTestId('generation-error');
  await expect(error).toHaveAttribute('data-code', 'device-lost', { timeout: 60_000 });
  await expect(page.getByTestId('generation-error-message')).toContainText('The GPU device was lost (reason: destroyed');
  await expect(page.getByTestId('generation-error-message')).toContainText('The model is being reloaded; your settings are kept.');
  test.info().annotations.push({ type: 'reported', description: await page.getByTestId('generation-error-message').innerText() });
  await expect(modelBar(page)).toHaveAttribute('data-status', 'ready', { timeout: 150_000 });
  await expect(page.getByTestId('backend-name')).toHaveText('WebGPU');

  // same settings, same image
  const form = page.getByRole('form', { name: 'Generation settings' });
  await expect(form.getByLabel('Steps')).toHaveValue(String(FORM.steps));
  await expect(form.getByLabel('Seed', { exact: true })).toHaveValue(String(FORM.seed));
  await expect(form.getByLabel('Prompt', { exact: true })).toHaveValue(FORM.prompt);
  const shown = await resultNames(page);
  await page.getByRole('button', { name: 'Generate' }).click();
  await waitForNewResults(page, shown.length ? shown : first, 150_000);
  const after = await downloadResult(page);
  expect(after.parameters).toBe(before.parameters);
  expect(after.width).toBe(before.width);
  expect(Buffer.from(after.rgba).equals(Buffer.from(before.rgba)), 'the image after the reload equals the one before the loss').toBe(true);

  worker = await hookedWorker(page);
  expect(await worker.evaluate(() => (globalThis as HookHost).__hnstudioTestHooks!.liveGpuTensors()), 'GPU tensors left after a run').toBe(0);

  // the forced loss itself is logged; nothing else may be
  const unexpected = (lines: string[]) => lines.filter((l) => !/lost|destroy/i.test(l));
  expect(unexpected(watch.webgpu), 'no WebGPU validation errors besides the loss').toEqual([]);
  expect(unexpected(watch.errors), 'no page or console errors besides the loss').toEqual([]);
});

test('the test hooks do not exist without ?testHooks=1', async ({ page }) => {
  await openStudio(page, { backend: 'wasm' });
  await waitForModel(page, 60_000);
  const workers = page.workers();
  expect(workers.length).toBeGreaterThan(0);
  for (const w of workers) expect(await w.evaluate(() => typeof (globalThis as HookHost).__hnstudioTestHooks)).toBe('undefined');
});
