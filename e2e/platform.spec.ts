import { expect, test } from '@playwright/test';

// What later issues rely on: wasm threads need cross-origin isolation, the engine needs a WebGPU adapter
// (SwiftShader here, via --enable-unsafe-webgpu; see docs/webgpu-headless.md).
test('the app is served cross-origin isolated and the browser has a WebGPU adapter', async ({ page }) => {
  const response = await page.goto('/');
  expect(response?.headers()['cross-origin-opener-policy']).toBe('same-origin');
  expect(response?.headers()['cross-origin-embedder-policy']).toBe('require-corp');
  expect(await page.evaluate(() => window.crossOriginIsolated)).toBe(true);

  const adapter = await page.evaluate(async () => {
    // a minimal shape: the WebGPU typings arrive with the engine (later issues)
    type Gpu = { requestAdapter(): Promise<{ info: { isFallbackAdapter?: boolean; vendor: string } } | null> };
    const found = await (navigator as Navigator & { gpu?: Gpu }).gpu?.requestAdapter();
    return found ? { isFallbackAdapter: found.info.isFallbackAdapter, vendor: found.info.vendor } : null;
  });
  expect(adapter, 'navigator.gpu.requestAdapter() found no adapter').not.toBeNull();
});
