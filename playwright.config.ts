import { defineConfig } from '@playwright/test';

// E2E_PORT lets several checkouts run their e2e suites side by side (README: "Tests").
const PORT = Number(process.env.E2E_PORT ?? 4173);
// A server already on the port may be another checkout's: it is reused only when asked for (E2E_REUSE_SERVER=1),
// and then e2e/support/global-setup.ts checks that it serves this checkout's build.
const REUSE = process.env.E2E_REUSE_SERVER === '1' && !process.env.CI;

export default defineConfig({
  testDir: 'e2e',
  // Debian's Chromium with software WebGPU on 2 shared cores: one browser at a time keeps timings sane.
  workers: 1,
  fullyParallel: false,
  forbidOnly: !!process.env.CI,
  retries: process.env.CI ? 1 : 0,
  // Timeouts catch hangs, not slowness: on 2 cores shared with other work everything takes 2–5× longer
  timeout: 180_000,
  expect: { timeout: 30_000 },
  reporter: [['list'], ['html', { open: 'never' }]],
  globalSetup: './e2e/support/global-setup.ts',
  outputDir: 'test-results',
  use: {
    browserName: 'chromium',
    baseURL: `http://127.0.0.1:${PORT}`,
    viewport: { width: 1280, height: 800 },
    headless: true,
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
    // The production build registers a service worker (offline use). Specs that route or mock requests need them
    // to reach the network, so it is blocked unless a spec opts in (e2e/offline.spec.ts: `serviceWorkers: 'allow'`).
    serviceWorkers: 'block',
    launchOptions: {
      // See docs/webgpu-headless.md: --enable-unsafe-webgpu gives a SwiftShader WebGPU adapter.
      executablePath: '/usr/bin/chromium',
      args: [
        '--enable-unsafe-webgpu',
        '--no-sandbox',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--disable-quic',
      ],
    },
  },
  // Tests run against the production build (`npm run test:e2e` builds first), as users get it.
  webServer: {
    command: `npx vite preview --host 127.0.0.1 --port ${PORT} --strictPort`,
    url: `http://127.0.0.1:${PORT}`,
    // false: a busy port fails the run at once ("… is already used") instead of testing whatever answers there
    reuseExistingServer: REUSE,
    timeout: 180_000,
  },
});
