/**
 * The generation panel on the WASM backend with the embedded demo model: the browser's image equals the Node
 * engine's for the same request and follows the prompt; cancel, keyboard shortcuts, a broken model folder.
 */
import { mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import {
  downloadResult,
  fillForm,
  modelBar,
  openStudio,
  output,
  REFERENCE_FORM,
  requestFor,
  resultNames,
  shownStep,
  waitForModel,
  waitForNewResults,
  watchPage,
  type PageWatch,
} from './support/generation-page.ts';
import { compareRgba, DEMO_MODEL_DIR, nodeReference } from './support/node-reference.ts';
import { scoreShape } from './support/shape-scorer.ts';

const SHOTS = 'test-results/screenshots';

let watch: PageWatch;

test.beforeEach(async ({ page }) => {
  watch = await watchPage(page);
});

test.afterEach(() => {
  expect(watch.errors, 'no page or console errors').toEqual([]);
  expect(watch.webgpu, 'no WebGPU errors').toEqual([]);
});

/** Starts a long run and waits until it has done at least `step` steps. */
async function startLongRun(page: Page, start: () => Promise<void>, step: number): Promise<void> {
  await start();
  await expect(output(page)).toHaveAttribute('data-status', 'running');
  await expect.poll(() => shownStep(page), { timeout: 90_000, intervals: [50] }).toBeGreaterThanOrEqual(step);
}

test('WASM: the image equals the Node engine result for the same request and follows the prompt', async ({ page }) => {
  test.setTimeout(600_000);
  const reference = nodeReference(requestFor(REFERENCE_FORM)); // computed while the page loads
  // everything, the worker's wasm included, must come from our own server (no CDN)
  const requests: string[] = [];
  const wasm: { url: string; type: string | undefined; status: number }[] = [];
  page.context().on('request', (r) => requests.push(r.url()));
  page.context().on('response', (r) => {
    if (new URL(r.url()).pathname.endsWith('.wasm')) wasm.push({ url: r.url(), type: r.headers()['content-type'], status: r.status() });
  });
  await openStudio(page, { backend: 'wasm' });
  // load phases are shown while the model loads
  await expect(page.getByTestId('model-load-step')).toBeVisible();
  await waitForModel(page);
  await expect(page.getByTestId('backend-name')).toHaveText('WASM');
  await expect(page.getByTestId('backend-reason')).toContainText('WASM was chosen');
  // the engine worker's test-only hooks (src/engine/test-hooks.ts) exist only on pages opened with ?testHooks=1
  expect(page.workers().length).toBeGreaterThan(0);
  for (const w of page.workers()) expect(await w.evaluate(() => typeof (globalThis as { __hnstudioTestHooks?: unknown }).__hnstudioTestHooks)).toBe('undefined');
  expect(await page.evaluate(() => window.crossOriginIsolated)).toBe(true);
  const origin = new URL(page.url()).origin;
  expect(requests.filter((u) => !u.startsWith(origin) && !u.startsWith('blob:') && !u.startsWith('data:'))).toEqual([]);
  expect(wasm.length, 'the onnxruntime wasm was fetched').toBeGreaterThan(0);
  for (const w of wasm) {
    expect(w.url).toMatch(/\/assets\/ort-wasm-simd-threaded\.asyncify-[\w-]+\.wasm$/);
    expect(w.status).toBe(200);
    expect(w.type).toBe('application/wasm');
  }
  // the defaults follow the model: 64×64 for the demo, A1111's sampler list
  await expect(page.getByLabel('Width')).toHaveValue('64');
  await expect(page.getByLabel('Height')).toHaveValue('64');
  const samplers = await page.getByLabel('Sampler').locator('option').allTextContents();
  expect(samplers).toEqual(['DPM++ 2M', 'DPM++ SDE', 'DPM++ 2M SDE', 'DPM++ 2M SDE Heun', 'DPM++ 2S a', 'DPM++ 3M SDE', 'Euler a', 'Euler', 'LMS', 'Heun', 'DPM2', 'DPM2 a', 'DDIM', 'PLMS', 'UniPC', 'LCM']);

  await fillForm(page, REFERENCE_FORM);
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: `${SHOTS}/generate-idle.png` });

  const before = await resultNames(page);
  await page.getByRole('button', { name: 'Generate' }).click();
  // mid-run: step counter, ETA and a live preview (VAE-decoded for small latents), scaled up crisply
  const preview = page.getByTestId('preview');
  await expect(preview).toBeVisible({ timeout: 90_000 });
  await expect(page.getByTestId('progress-label')).toHaveText(/Step \d+\/20/);
  await expect(page.getByTestId('progress-eta')).toHaveText(/ETA /);
  const look = await preview.evaluate((el: HTMLCanvasElement) => ({
    intrinsic: el.width,
    shown: el.getBoundingClientRect().width,
    rendering: getComputedStyle(el).imageRendering,
  }));
  expect(look.intrinsic).toBe(64); // decoded at image resolution
  expect(look.shown).toBeGreaterThan(look.intrinsic * 3);
  expect(look.rendering).toBe('pixelated');
  await page.screenshot({ path: `${SHOTS}/generate-running.png` });

  const names = await waitForNewResults(page, before, 60_000);
  expect(names).toEqual(['00001-42.png']);
  await expect(page.getByTestId('last-seed')).toHaveText('42');
  await page.screenshot({ path: `${SHOTS}/generate-result.png` });

  const image = await downloadResult(page);
  expect(image.fileName).toBe('00001-42.png');
  expect([image.width, image.height]).toEqual([64, 64]);
  const ref = await reference;
  expect(image.parameters, 'the PNG carries A1111 parameters').toBe(ref.infotext);
  expect(ref.infotext).toMatch(/\nSteps: 20, Sampler: Euler a, Schedule type: Automatic, CFG scale: 7, Seed: 42, Size: 64x64, (Model hash: \w+, )?Model: sd-shapes-demo$/);
  await expect(page.getByTestId('result-infotext')).toHaveText(ref.infotext);

  const diff = compareRgba(image.rgba, ref.rgba);
  test.info().annotations.push({ type: 'wasm-vs-node', description: JSON.stringify(diff) });
  expect(diff.max, 'max abs difference per channel (levels)').toBeLessThanOrEqual(3);
  expect(diff.mean, 'mean abs difference (levels)').toBeLessThanOrEqual(1);

  const score = scoreShape(image.rgba, image.width, image.height);
  test.info().annotations.push({ type: 'shape-score', description: JSON.stringify(score) });
  expect(score.background, 'background').toBe('white');
  expect(score.color, 'dominant foreground colour').toBe('red');
  // The demo model follows every word of the prompt (tools/demo-model/README.md: colour, background, position and
  // size 100%, shape 90% over 120 seeded prompts); this seed's image is scored on all five.
  expect(score.position, 'position word').toBe('left');
  expect(score.size, 'size word').toBe('small');
  expect(score.shape, 'shape word').toBe('circle');
});

test('cancel mid-run stops within a step, returns to idle, and the next run works', async ({ page }) => {
  test.setTimeout(600_000);
  await openStudio(page, { backend: 'wasm' });
  await waitForModel(page);
  await fillForm(page, { ...REFERENCE_FORM, steps: 150 });
  await startLongRun(page, () => page.getByRole('button', { name: 'Generate' }).click(), 5);

  // the step shown when the click reaches the page (Playwright's own latency is not the app's)
  await page.evaluate(() => {
    document.addEventListener(
      'click',
      () => {
        const w = window as unknown as { cancelAt?: { step: number; t: number } };
        w.cancelAt = { step: Number(document.querySelector('[data-testid="run-progress"]')?.getAttribute('data-step')), t: performance.now() };
      },
      { capture: true, once: true },
    );
  });
  await page.getByRole('button', { name: 'Cancel' }).click();
  await expect(output(page)).toHaveAttribute('data-status', 'idle', { timeout: 90_000 });
  const { step: shownAtCancel, ms: stopMs } = await page.evaluate(() => {
    const w = window as unknown as { cancelAt: { step: number; t: number } };
    return { step: w.cancelAt.step, ms: performance.now() - w.cancelAt.t };
  });
  const error = page.getByTestId('generation-error');
  await expect(error).toHaveAttribute('data-code', 'cancelled');
  const message = await page.getByTestId('generation-error-message').innerText();
  const stoppedAt = Number(/at step (\d+)\/150/.exec(message)?.[1]);
  test.info().annotations.push({ type: 'cancel', description: `step ${shownAtCancel} shown at the click, stopped at ${stoppedAt}, idle within ${Math.round(stopMs)} ms` });
  // "within one step" is checked exactly, in U-Net calls, by test/cancel.test.ts; here the step shown at the click
  // can lag the worker by as many steps as the machine is busy, so only the order and an early stop are asserted
  expect(stoppedAt).toBeGreaterThanOrEqual(shownAtCancel);
  expect(stoppedAt).toBeLessThan(150);
  await expect(page.getByRole('button', { name: 'Generate' })).toBeEnabled();
  await expect(page.getByRole('button', { name: 'Cancel' })).toBeDisabled();
  await expect(page.getByTestId('result')).toHaveCount(0);

  // the app stays usable: a short run finishes
  await fillForm(page, { steps: 4 });
  await page.getByRole('button', { name: 'Generate' }).click();
  await waitForNewResults(page, [], 120_000);
  await expect(page.getByTestId('generation-error')).toHaveCount(0);
});

test('keyboard: Ctrl+Enter generates, Escape cancels, Cmd+Enter generates again', async ({ page }) => {
  test.setTimeout(600_000);
  await openStudio(page, { backend: 'wasm' });
  await waitForModel(page);
  await fillForm(page, { ...REFERENCE_FORM, steps: 150 });
  const prompt = page.getByLabel('Prompt', { exact: true });
  await prompt.focus();
  await startLongRun(page, () => page.keyboard.press('Control+Enter'), 2);
  expect(await prompt.inputValue(), 'Ctrl+Enter does not type a newline').toBe(REFERENCE_FORM.prompt);

  await page.keyboard.press('Escape');
  await expect(output(page)).toHaveAttribute('data-status', 'idle', { timeout: 30_000 });
  await expect(page.getByTestId('generation-error')).toHaveAttribute('data-code', 'cancelled');

  await fillForm(page, { steps: 3, seed: 7 });
  await page.getByLabel('Negative prompt').focus();
  await page.keyboard.press('Meta+Enter');
  const names = await waitForNewResults(page, [], 120_000);
  expect(names).toHaveLength(1);
  expect(names[0]).toMatch(/^\d{5}-7\.png$/);
});

test('a model folder that does not exist gives a missing-file error naming the path; the demo loads after', async ({ page }) => {
  await openStudio(page, { backend: 'wasm', model: '/models/does-not-exist/' });
  const error = page.getByTestId('model-error');
  await expect(error).toBeVisible({ timeout: 90_000 });
  await expect(error).toHaveAttribute('data-code', 'missing-file');
  await expect(page.getByTestId('model-error-message')).toContainText('"does-not-exist" has no tokenizer/vocab.json');
  await expect(page.getByTestId('model-name')).toHaveText('does-not-exist');
  await expect(page.getByRole('button', { name: 'Generate' })).toBeDisabled();

  await page.getByRole('button', { name: 'Load the demo model' }).click();
  await waitForModel(page);
  await expect(page.getByTestId('model-name')).toHaveText('sd-shapes-demo');
  await expect(page.getByRole('button', { name: 'Generate' })).toBeEnabled();
});

test('a model folder missing unet/model.onnx names that file in its error', async ({ page, context }) => {
  // a copy of the demo served from another folder, minus the U-Net (the worker's fetches go through the route)
  await context.route('**/models/no-unet/**', async (route) => {
    const rel = new URL(route.request().url()).pathname.replace(/^\/models\/no-unet\//, '');
    if (rel === 'unet/model.onnx') return route.fulfill({ status: 404, body: 'not found' });
    try {
      const body = await readFile(join(DEMO_MODEL_DIR, ...rel.split('/')));
      return route.fulfill({ status: 200, body, contentType: rel.endsWith('.json') ? 'application/json' : 'application/octet-stream' });
    } catch {
      return route.fulfill({ status: 404, body: 'not found' });
    }
  });
  await openStudio(page, { backend: 'wasm', model: '/models/no-unet/' });
  const error = page.getByTestId('model-error');
  await expect(error).toBeVisible({ timeout: 90_000 });
  await expect(error).toHaveAttribute('data-code', 'missing-file');
  await expect(page.getByTestId('model-error-message')).toContainText('has no unet/model.onnx (the U-Net)');
  // a 404 is an expected answer here, not a page error
  watch.errors = watch.errors.filter((e) => !/404|Failed to load resource/.test(e));

  // Retry keeps failing the same way; the page stays responsive
  await page.getByRole('button', { name: 'Retry' }).click();
  await expect(error).toHaveAttribute('data-code', 'missing-file', { timeout: 90_000 });
});

test('bad requests are reported in the panel and the app stays usable', async ({ page }) => {
  await openStudio(page, { backend: 'wasm' });
  await waitForModel(page);
  await fillForm(page, { ...REFERENCE_FORM, steps: 2, width: 60 });
  await page.getByRole('button', { name: 'Generate' }).click();
  await expect(page.getByTestId('generation-error')).toHaveAttribute('data-code', 'bad-request');
  await expect(page.getByTestId('generation-error-message')).toContainText('Width must be a multiple of 16');
  await fillForm(page, { width: 64 });
  await page.getByRole('button', { name: 'Generate' }).click();
  await waitForNewResults(page, [], 120_000);
  await expect(page.getByTestId('generation-error')).toHaveCount(0);

  // ♻ puts the used seed back in the field and fixes it
  await page.getByRole('button', { name: 'Random seed' }).click();
  await expect(page.getByLabel('Seed', { exact: true })).toBeDisabled();
  await page.getByTestId('reuse-seed').click();
  await expect(page.getByLabel('Seed', { exact: true })).toHaveValue('42');
  await expect(page.getByRole('button', { name: 'Random seed' })).toHaveAttribute('aria-pressed', 'false');
});

test('the generation panel fits a narrow window', async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await openStudio(page, { backend: 'wasm' });
  await waitForModel(page);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow, 'no horizontal scrolling on a phone-sized window').toBeLessThanOrEqual(0);
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: `${SHOTS}/generate-narrow.png`, fullPage: true });
  void modelBar;
});
