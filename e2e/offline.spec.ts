/**
 * Offline use (PWA): one online visit installs the service worker, which precaches the app shell, onnxruntime's
 * wasm, the demo model and the demo hypernetworks. With the network off, a reload still loads the app and the
 * demo model, stays cross-origin isolated, and generates, also with a hypernetwork read from disk. No request
 * ever leaves the app's own origin.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import {
  downloadResult,
  fillForm,
  openStudio,
  REFERENCE_FORM,
  resultNames,
  waitForModel,
  waitForNewResults,
  watchPage,
  type DownloadedImage,
  type PageWatch,
} from './support/generation-page.ts';
import { cardFor } from './support/inspector-page.ts';
import { compareRgba } from './support/node-reference.ts';
import { serveDist, type StaticServer } from './support/static-server.ts';

// the config blocks service workers for every other spec (they route and mock requests)
test.use({ serviceWorkers: 'allow' });

const DIST = path.resolve('dist');

/** Every file under dist/`dir`, as a URL path. */
function builtFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const name of readdirSync(path.join(DIST, rel))) {
      const child = path.posix.join(rel, name);
      if (statSync(path.join(DIST, child)).isDirectory()) walk(child);
      else out.push(`/${child}`);
    }
  };
  walk(dir);
  return out.sort();
}

/** URL paths held by Workbox's precache (its cache keys carry a `__WB_REVISION__` query; dropped here). */
function precachedPaths(page: Page): Promise<string[]> {
  return page.evaluate(async () => {
    const paths: string[] = [];
    for (const name of await caches.keys()) {
      if (!name.includes('precache')) continue;
      for (const request of await (await caches.open(name)).keys()) paths.push(new URL(request.url).pathname);
    }
    return paths.sort();
  });
}

async function generateImage(page: Page): Promise<DownloadedImage> {
  const before = await resultNames(page);
  await page.getByTestId('generate').click();
  await waitForNewResults(page, before, 300_000);
  return downloadResult(page);
}

let watch: PageWatch;

test.beforeEach(async ({ page }) => {
  watch = await watchPage(page);
});

test.afterEach(() => {
  expect(watch.errors, 'no page or console errors').toEqual([]);
});

test('after one online visit, a reload with the network off generates with the demo model and a stored hypernetwork', async ({ page, context }) => {
  test.setTimeout(600_000);
  const seen: { url: string; offline: boolean; fromWorker: boolean }[] = [];
  const failed: { url: string; error: string }[] = [];
  const served: { path: string; fromServiceWorker: boolean }[] = [];
  let offline = false;
  context.on('request', (r) => seen.push({ url: r.url(), offline, fromWorker: r.serviceWorker() !== null }));
  context.on('requestfailed', (r) => failed.push({ url: r.url(), error: r.failure()?.errorText ?? '' }));
  context.on('response', (r) => {
    if (offline) served.push({ path: new URL(r.url()).pathname, fromServiceWorker: r.fromServiceWorker() });
  });

  // 1. online: the app loads and the service worker installs; "Offline ready" once its precache is complete
  await openStudio(page, { backend: 'wasm' });
  await expect(page.getByTestId('offline-ready')).toBeVisible({ timeout: 120_000 });
  await expect(page.getByTestId('offline-ready')).toHaveText('✓ Offline ready');
  expect(await page.evaluate(async () => (await navigator.serviceWorker.ready).active?.state)).toBe('activated');
  const origin = new URL(page.url()).origin;

  // the precache holds the onnxruntime wasm the worker loads, the whole demo model and the demo hypernetworks
  const precached = await precachedPaths(page);
  const wasm = builtFiles('assets').filter((p) => p.endsWith('.wasm'));
  expect(wasm).toEqual([expect.stringMatching(/^\/assets\/ort-wasm-simd-threaded\.asyncify-[\w-]+\.wasm$/)]);
  for (const file of [...wasm, ...builtFiles('models/sd-shapes-demo'), ...builtFiles('hypernetworks'), '/index.html', '/manifest.webmanifest']) {
    expect(precached, `${file} is precached`).toContain(file);
  }
  expect(precached.some((p) => p.endsWith('.map')), 'no source maps in the precache').toBe(false);
  await waitForModel(page, 300_000);
  // a hypernetwork dropped while online is kept in the library (IndexedDB)
  await page.getByTestId('file-input').setInputFiles(path.resolve('public/hypernetworks/stripes.pt'));
  await expect(cardFor(page, 'stripes.pt')).toHaveAttribute('data-status', 'ready');

  // 2. offline: a reload is served by the service worker
  offline = true;
  await context.setOffline(true);
  await page.reload();
  await expect(page.getByRole('heading', { name: 'Generate' })).toBeVisible();
  expect(await page.evaluate(() => navigator.serviceWorker.controller !== null), 'the page is controlled by the service worker').toBe(true);
  await waitForModel(page, 300_000);
  await expect(page.getByTestId('offline-ready')).toBeVisible();
  // a demo model file that does not exist (the engine probes the optional unet/model.onnx_data): the network
  // is off, and the service worker answers 404 as the server would, not a network error
  expect(await page.evaluate(async () => (await fetch('/models/sd-shapes-demo/unet/model.onnx_data')).status)).toBe(404);
  expect(failed.length, 'the network is really off').toBeGreaterThan(0);
  expect(failed.filter((f) => !f.url.endsWith('/models/sd-shapes-demo/unet/model.onnx_data')), 'failed requests').toEqual([]);
  expect(failed.map((f) => f.error)).toContain('net::ERR_INTERNET_DISCONNECTED');
  // Chromium logs that expected 404 as a console error
  watch.errors = watch.errors.filter((e) => !e.includes('404 (Not in the offline copy of the demo model)'));
  await expect(page.getByTestId('backend-name')).toHaveText('WASM');
  // the cached responses keep COOP/COEP: still cross-origin isolated, so the wasm runs multi-threaded
  expect(await page.evaluate(() => window.crossOriginIsolated), 'crossOriginIsolated after an offline reload').toBe(true);
  const engine = page.workers().find((w) => /\/assets\/worker-[\w-]+\.js$/.test(w.url()));
  expect(engine, 'the engine worker runs').toBeDefined();
  expect(await engine!.evaluate(() => globalThis.crossOriginIsolated), 'the engine worker is cross-origin isolated too').toBe(true);

  // 3. generate with the demo model, then with the stored stripes.pt (restored from the library), at strength 1
  await fillForm(page, { ...REFERENCE_FORM, steps: 8 });
  const base = await generateImage(page);
  expect([base.width, base.height]).toEqual([64, 64]);

  await expect(cardFor(page, 'stripes.pt'), 'the stored hypernetwork is back after the offline reload').toHaveAttribute('data-status', 'ready');
  await page.getByRole('button', { name: 'Add stripes to the stack' }).click();
  const row = page.locator('[data-testid="stack-entry"][data-name="stripes"]');
  await row.getByLabel('Exact strength of stripes').fill('1');
  await expect(row).toHaveAttribute('data-strength', '1');
  const stack = page.getByTestId('stack-panel');
  await expect(stack).toHaveAttribute('data-applied', 'stripes', { timeout: 180_000 });
  await expect(stack).toHaveAttribute('data-sync', 'idle');
  await expect(page.getByTestId('stack-error')).toHaveCount(0);
  const styled = await generateImage(page);
  expect(styled.parameters).toContain('<hypernet:stripes:1>');
  const diff = compareRgba(styled.rgba, base.rgba);
  test.info().annotations.push({ type: 'stripes vs base (offline)', description: JSON.stringify(diff) });
  expect(diff.max, 'the hypernetwork changes the image').toBeGreaterThan(4);

  // nothing ever went to another host; offline, every response came from the service worker's cache
  const foreign = seen.filter((r) => !r.url.startsWith(origin) && !/^(blob|data):/.test(r.url));
  expect(foreign, 'requests to other hosts').toEqual([]);
  test.info().annotations.push({ type: 'requests while offline', description: String(seen.filter((r) => r.offline).length) });
  expect(failed.filter((f) => !f.url.endsWith('/models/sd-shapes-demo/unet/model.onnx_data')), 'failed requests').toEqual([]);
  const notFromCache = served.filter((r) => !r.fromServiceWorker);
  expect(notFromCache, 'responses after going offline that did not come from the service worker').toEqual([]);
  expect(served.map((r) => r.path)).toEqual(expect.arrayContaining(['/', wasm[0], '/models/sd-shapes-demo/unet/model.onnx']));
});

test('a new version shows "Update available — Reload"; Reload waits for the generation in flight, then reloads', async ({ page }) => {
  test.setTimeout(420_000);
  // its own server: what is deployed changes during the test
  const server = await serveDist();
  try {
    await updateFlow(page, server);
  } finally {
    await server.close();
  }
});

async function updateFlow(page: Page, server: StaticServer): Promise<void> {
  await page.goto(`${server.origin}/?backend=wasm`);
  await expect(page.getByTestId('offline-ready')).toBeVisible({ timeout: 120_000 });
  // a later visit, controlled by the installed version
  await page.reload();
  await expect(page.getByTestId('offline-ready')).toBeVisible({ timeout: 90_000 });
  expect(await page.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true);
  await waitForModel(page, 300_000);
  await expect(page.getByTestId('update-prompt')).toHaveCount(0);

  // the next deployment: a different sw.js (same precache, so it installs quickly)
  server.override('/sw.js', `${readFileSync(path.join(DIST, 'sw.js'), 'utf8')}\n// next version\n`);
  // An update check already in flight (the browser's own, after the reload) absorbs an `update()` call made
  // meanwhile and resolves with the old script, so check again until the new version is found.
  const prompt = page.getByTestId('update-prompt');
  await expect(async () => {
    await page.evaluate(async () => (await navigator.serviceWorker.getRegistration())?.update());
    await expect(prompt).toBeVisible({ timeout: 15_000 });
  }).toPass({ timeout: 180_000 });
  await expect(prompt).toContainText('Update available');
  // inside the live region, so it is announced
  await expect(page.getByRole('status').filter({ has: prompt })).toHaveAttribute('aria-live', 'polite');

  // Reload mid-generation: nothing reloads until the run ends
  await page.evaluate(() => ((window as unknown as { beforeUpdate: boolean }).beforeUpdate = true));
  await fillForm(page, { ...REFERENCE_FORM, steps: 150 });
  await page.getByTestId('generate').click();
  await expect(page.getByTestId('gen-output')).toHaveAttribute('data-status', 'running');
  await prompt.getByRole('button', { name: 'Reload' }).click();
  const pending = prompt.getByRole('button', { name: 'Reloading after this generation…' });
  await expect(pending).toBeDisabled();
  await page.waitForTimeout(1500);
  expect(await page.evaluate(() => (window as unknown as { beforeUpdate?: boolean }).beforeUpdate), 'no reload mid-generation').toBe(true);
  await expect(page.getByTestId('gen-output')).toHaveAttribute('data-status', 'running');

  // the run ends (cancelled here): the new version takes over and the page reloads on it
  const reloaded = page.waitForEvent('load');
  await page.getByRole('button', { name: 'Cancel' }).click();
  await reloaded;
  await expect(page.getByRole('heading', { name: 'Generate' })).toBeVisible();
  expect(await page.evaluate(() => (window as unknown as { beforeUpdate?: boolean }).beforeUpdate)).toBeUndefined();
  await expect(page.getByTestId('offline-ready')).toBeVisible({ timeout: 90_000 });
  await expect(page.getByTestId('update-prompt')).toHaveCount(0);
  expect(await page.evaluate(async () => (await navigator.serviceWorker.getRegistration())?.waiting === null), 'no version left waiting').toBe(true);
  await waitForModel(page, 300_000);
}
