/**
 * `npm run test:large`, in the browser: the SD1.5-dimension fp32 Optimum export (.cache/sd15/fp32, unet
 * model.onnx_data 3.4 GB; written by tools/large-model/make_sd15.py) imported through the Models dialog's folder
 * input as a user would, refused on WASM by the memory plan before anything loads (reason and fix shown), then —
 * when asked for with LARGE_WEBGPU=1, because SwiftShader needs a long time for a 3.4 GB U-Net — loaded on the
 * software WebGPU adapter at 64×64 and run for one step. Prints import time, peak browser memory and load phases.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, expect, test, type BrowserContext, type Page } from '@playwright/test';
import { fillForm, modelBar, openStudio, waitForModel } from '../e2e/support/generation-page.ts';
import { importFolder, modelsDialog, openModels } from '../e2e/support/models-page.ts';
import { watchPeakMemory } from './process-memory.ts';

const FP32 = path.resolve('.cache/sd15/fp32');
const ready = existsSync(path.resolve('.cache/sd15/stamp.json')) && existsSync(path.join(FP32, 'unet/model.onnx_data'));
const gib = (n: number) => `${(n / 2 ** 30).toFixed(2)} GiB`;
const report: string[] = [];

// one browser profile for the file: the second test loads what the first imported into its OPFS
test.describe.configure({ mode: 'serial' });
test.skip(!ready, '.cache/sd15 is missing: `npm run test:large` writes it once with Debian PyTorch');

let context: BrowserContext;
let page: Page;
let profile: string;

// A persistent profile keeps OPFS on disk as a user's browser does; Playwright's usual contexts are off the
// record, with storage in memory and a small quota, where a 4 GB import cannot fit.
test.beforeAll(async ({ baseURL, launchOptions }) => {
  profile = mkdtempSync(path.join(tmpdir(), 'hn-large-profile-'));
  context = await chromium.launchPersistentContext(profile, { ...launchOptions, baseURL, viewport: { width: 1280, height: 800 }, serviceWorkers: 'block' });
  page = context.pages()[0] ?? (await context.newPage());
});

test.afterAll(async () => {
  await context?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
  console.info(`\n${report.join('\n')}`);
});

test('the fp32 folder imports through the UI; WASM refuses it before loading, with the reason and the fix', async () => {
  const memory = watchPeakMemory();
  await openStudio(page, { backend: 'wasm', model: 'none' });
  await openModels(page);
  const option = modelsDialog(page).getByTestId('import-fp16');
  await expect(option).toHaveAttribute('data-probed', 'true');
  await option.getByRole('checkbox', { name: 'Convert to fp16' }).uncheck(); // stored as exported: fp32
  await importFolder(page, FP32);
  const done = modelsDialog(page).locator('[data-testid="import-status"][data-status="done"]');
  await expect(done).toBeVisible({ timeout: 1_500_000 });
  const importMs = Number(await done.getAttribute('data-ms'));
  const bytes = Number(await done.getAttribute('data-bytes'));
  report.push(`import fp32 through the UI: ${gib(bytes)} in ${(importMs / 1000).toFixed(0)} s (${(bytes / importMs / 1000).toFixed(1)} MB/s)`);

  // it loads once imported; on WASM the plan refuses it at once: the weights alone exceed the 4 GiB heap
  await expect(modelBar(page)).toHaveAttribute('data-status', 'error', { timeout: 300_000 });
  await expect(page.getByTestId('model-error')).toHaveAttribute('data-code', 'model-too-large');
  await expect(page.getByTestId('model-error-message')).toContainText("more than onnxruntime's 4 GiB WASM memory");
  const advice = page.getByTestId('load-advice');
  await expect(advice).toHaveAttribute('data-fix', 'use-webgpu');
  await expect(advice).toContainText('hnstudio generate');
  report.push(`peak browser RSS (import + refusal): ${gib(memory.stop())}`);
});

test('loads on the software WebGPU adapter at 64×64 and runs one step', async () => {
  // Measured on the 2-core dev machine (shared): after 27 min the load (sessions + 64×64 warm-up) had not finished,
  // Chromium's GPU process at ~5.3 GiB RSS and busy; so it runs only when asked for.
  test.skip(!process.env.LARGE_WEBGPU, 'SwiftShader did not finish loading SD1.5 at 64×64 in 27 min on 2 shared cores: run with LARGE_WEBGPU=1 on a machine with the time');
  const memory = watchPeakMemory();
  await page.keyboard.press('Escape'); // the Models dialog
  // typed before any model loaded: the load plans and warms up at this size
  await fillForm(page, { width: 64, height: 64, steps: 1, prompt: 'a red circle' });
  const start = Date.now();
  await page.getByTestId('backend-select').selectOption('webgpu');
  await waitForModel(page, 1_500_000);
  report.push(`load on SwiftShader WebGPU at 64×64: ${((Date.now() - start) / 1000).toFixed(0)} s`);
  const report_ = page.getByTestId('load-report');
  await report_.locator('summary').click();
  for (const row of await page.getByTestId('load-report-phases').locator('tbody tr').all()) report.push(`  ${(await row.innerText()).replace(/\s+/g, ' ')}`);
  await page.getByRole('button', { name: 'Generate' }).click();
  await expect(page.getByTestId('result')).toHaveCount(1, { timeout: 1_500_000 });
  report.push(`peak browser RSS (WebGPU load + 1 step): ${gib(memory.stop())}`);
});
