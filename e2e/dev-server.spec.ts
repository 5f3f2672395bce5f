/**
 * `npm start` as a newcomer meets it: the dev server on an empty dependency cache. The first visit must load
 * once and stay (no "optimized dependencies changed" reload with aborted requests) and reach a loaded model
 * with a clean console.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { createServer, type ViteDevServer } from 'vite';
import { waitForModel, watchPage } from './support/generation-page.ts';

// beside the preview server of this checkout (E2E_PORT) and clear of other checkouts' ports (4310–4319)
const PORT = Number(process.env.E2E_PORT ?? 4173) + 100;

let server: ViteDevServer;
let cacheDir: string;
const serverLog: string[] = [];

test.beforeAll(async () => {
  test.setTimeout(120_000);
  cacheDir = mkdtempSync(path.join(tmpdir(), 'hnstudio-vite-cache-'));
  server = await createServer({
    configFile: path.resolve('vite.config.ts'),
    cacheDir,
    logLevel: 'info',
    clearScreen: false,
    server: { host: '127.0.0.1', port: PORT, strictPort: true },
    customLogger: {
      info: (m) => serverLog.push(m),
      warn: (m) => serverLog.push(m),
      warnOnce: (m) => serverLog.push(m),
      error: (m) => serverLog.push(m),
      clearScreen: () => undefined,
      hasErrorLogged: () => false,
      hasWarned: false,
    },
  });
  await server.listen();
});

test.afterAll(async () => {
  await server?.close();
  rmSync(cacheDir, { recursive: true, force: true });
});

test('the first visit on an empty dependency cache loads once, with no reload and no aborted request', async ({ page }) => {
  test.setTimeout(240_000);
  const watch = await watchPage(page);
  const navigations: string[] = [];
  const aborted: string[] = [];
  page.on('framenavigated', (frame) => frame === page.mainFrame() && navigations.push(frame.url()));
  page.on('requestfailed', (request) => aborted.push(`${request.url()}: ${request.failure()?.errorText}`));
  await page.goto(`http://127.0.0.1:${PORT}/?backend=wasm`);
  await waitForModel(page, 180_000);
  // a late re-optimisation would reload now, after the page looked ready
  await page.getByTestId('prompt').fill('a small red circle on the left, white background');
  await expect(page.getByTestId('prompt')).toHaveValue('a small red circle on the left, white background');
  expect(serverLog.filter((line) => /optimized dependencies changed|new dependencies optimized/.test(line)), 'the dev server re-optimised mid-visit').toEqual([]);
  expect(navigations, 'one navigation: the page did not reload itself').toHaveLength(1);
  expect(aborted).toEqual([]);
  expect(watch.errors).toEqual([]);
});
