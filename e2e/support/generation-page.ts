/** Page helpers for the generation panel: open on a backend, set the form, run, read the downloaded PNG. */
import { readFile } from 'node:fs/promises';
import { expect, type Page } from '@playwright/test';
import { decodePng, readPngText } from '../../src/core/formats/png.ts';

export interface FormValues {
  prompt?: string;
  negativePrompt?: string;
  sampler?: string;
  steps?: number;
  cfgScale?: number;
  /** a fixed seed (turns the random toggle off) */
  seed?: number;
  width?: number;
  height?: number;
  batchCount?: number;
}

/** What a test generates unless it says otherwise: the brief's reference request on the demo model. */
export const REFERENCE_FORM = {
  prompt: 'a small red circle on the left, white background',
  negativePrompt: '',
  sampler: 'Euler a',
  steps: 20,
  cfgScale: 7,
  seed: 42,
  width: 64,
  height: 64,
  batchCount: 1,
} as const satisfies Required<FormValues>;

/** The engine request the form values describe (for the Node reference). */
export function requestFor(form: Required<FormValues>) {
  return { ...form };
}

/**
 * WebGPU/Dawn validation and shader errors. Dawn's messages carry " - While calling [Device].CreateBuffer(…)"
 * style context lines or "[Invalid X]" labels; uncaptured ones are logged by Chromium as warnings.
 */
const WEBGPU_ERROR = /\n? - While [a-z]+ \[|\[Invalid [A-Za-z]+|GPUValidationError|validation error|WGSL|uncaptured|device (was )?lost/i;

export interface PageWatch {
  /** page errors and console errors: a normal run has none (onnxruntime logs at error level only) */
  errors: string[];
  /** any log line that looks like a WebGPU validation or device error, from the page or its workers */
  webgpu: string[];
}

/**
 * Collects errors from the page and its workers. Chromium logs a worker's uncaptured WebGPU errors only to the
 * DevTools log (not as console messages), so the Log domain is watched too.
 */
export async function watchPage(page: Page): Promise<PageWatch> {
  const watch: PageWatch = { errors: [], webgpu: [] };
  const gpuLine = (where: string, level: string, text: string) => {
    if (WEBGPU_ERROR.test(text)) watch.webgpu.push(`${where} ${level}: ${text}`);
  };
  page.on('pageerror', (e) => watch.errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    const text = m.text();
    gpuLine('console', m.type(), text);
    if (m.type() === 'error') watch.errors.push(`console: ${text}`);
  });
  const cdp = await page.context().newCDPSession(page);
  cdp.on('Log.entryAdded', ({ entry }) => gpuLine(`log(${entry.source})`, entry.level, entry.text));
  await cdp.send('Log.enable');
  return watch;
}

export async function openStudio(page: Page, query: { backend?: 'auto' | 'webgpu' | 'wasm'; model?: string; testHooks?: boolean } = {}): Promise<void> {
  const search = new URLSearchParams();
  if (query.backend) search.set('backend', query.backend);
  if (query.model) search.set('model', query.model);
  // the engine worker's test-only hooks (src/engine/test-hooks.ts)
  if (query.testHooks) search.set('testHooks', '1');
  await page.goto(`/${search.size ? `?${search}` : ''}`);
  await expect(page.getByRole('heading', { name: 'Generate' })).toBeVisible();
}

export const modelBar = (page: Page) => page.getByTestId('model-bar');
export const output = (page: Page) => page.getByTestId('gen-output');

export async function waitForModel(page: Page, timeout = 180_000): Promise<void> {
  await expect(modelBar(page)).toHaveAttribute('data-status', /^(ready|error)$/, { timeout });
  const status = await modelBar(page).getAttribute('data-status');
  if (status !== 'ready') throw new Error(`the model did not load: ${await modelBar(page).innerText()}`);
}

export async function fillForm(page: Page, values: FormValues): Promise<void> {
  const form = page.getByRole('form', { name: 'Generation settings' });
  if (values.prompt !== undefined) await form.getByLabel('Prompt', { exact: true }).fill(values.prompt);
  if (values.negativePrompt !== undefined) await form.getByLabel('Negative prompt').fill(values.negativePrompt);
  if (values.sampler !== undefined) await form.getByLabel('Sampler').selectOption(values.sampler);
  if (values.steps !== undefined) await form.getByLabel('Steps').fill(String(values.steps));
  if (values.cfgScale !== undefined) await form.getByLabel('CFG scale').fill(String(values.cfgScale));
  if (values.width !== undefined) await form.getByLabel('Width').fill(String(values.width));
  if (values.height !== undefined) await form.getByLabel('Height').fill(String(values.height));
  if (values.batchCount !== undefined) await form.getByLabel('Batch count').fill(String(values.batchCount));
  if (values.seed !== undefined) {
    const random = form.getByRole('button', { name: 'Random seed' });
    if ((await random.getAttribute('aria-pressed')) === 'true') await random.click();
    await expect(random).toHaveAttribute('aria-pressed', 'false');
    await form.getByLabel('Seed', { exact: true }).fill(String(values.seed));
  }
}

/** File names of the results shown now, in order. */
export async function resultNames(page: Page): Promise<string[]> {
  return page.getByTestId('result').evaluateAll((els) => els.map((el) => el.getAttribute('data-file-name') ?? ''));
}

/** Waits until a run started after `before` was read has finished with images. */
export async function waitForNewResults(page: Page, before: string[], timeout: number): Promise<string[]> {
  await expect
    .poll(async () => {
      const error = page.getByTestId('generation-error');
      if (await error.isVisible()) throw new Error(`generation failed: ${await error.innerText()}`);
      const names = await resultNames(page);
      return names.length > 0 && names.join() !== before.join() && (await output(page).getAttribute('data-status')) === 'idle';
    }, { timeout, intervals: [100, 250, 500] })
    .toBe(true);
  return resultNames(page);
}

export interface DownloadedImage {
  fileName: string;
  width: number;
  height: number;
  rgba: Uint8Array;
  parameters: string | undefined;
}

/** Clicks a result's "Download PNG" and decodes what the browser saved. */
export async function downloadResult(page: Page, index = 0): Promise<DownloadedImage> {
  const result = page.getByTestId('result').nth(index);
  const [download] = await Promise.all([page.waitForEvent('download'), result.getByRole('button', { name: /^Download / }).click()]);
  const path = await download.path();
  const bytes = new Uint8Array(await readFile(path));
  const image = decodePng(bytes);
  return {
    fileName: download.suggestedFilename(),
    width: image.width,
    height: image.height,
    rgba: new Uint8Array(image.data.buffer, image.data.byteOffset, image.data.byteLength),
    parameters: readPngText(bytes).parameters,
  };
}

/** The step the progress bar shows now (0 before the first step). */
export async function shownStep(page: Page): Promise<number> {
  const value = await page.getByTestId('run-progress').getAttribute('data-step');
  return Number(value ?? 0);
}

/**
 * PNG Info shows a dropped PNG's parameters first; this presses "Send to txt2img" (or img2img) and waits for the
 * report of what was applied.
 */
export async function sendPngInfo(page: Page, target: 'txt2img' | 'img2img' = 'txt2img'): Promise<void> {
  const preview = page.getByTestId('png-info-preview');
  await expect(preview).toBeVisible();
  await preview.getByRole('button', { name: `Send to ${target}` }).click();
  await expect(page.getByTestId('png-info-report')).toBeVisible();
}
