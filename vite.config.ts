/// <reference types="vitest/config" />
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';
import { VitePWA } from 'vite-plugin-pwa';
import { pwaOptions } from './src/pwa/options.ts';

// Cross-origin isolation: SharedArrayBuffer, hence multi-threaded onnxruntime wasm, needs both headers.
const isolationHeaders = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  // the service worker (offline use) is built for production only: see src/pwa/options.ts
  plugins: [react(), VitePWA(pwaOptions)],
  // strictPort: a busy port is an error, not a silent move to the next one (the README's URL would be wrong);
  // `npm start -- --port 5180` picks another.
  server: { port: 5173, strictPort: true, headers: isolationHeaders },
  preview: { port: 4173, strictPort: true, headers: isolationHeaders },
  // The engine worker imports modules (comlink, the core); only ES workers can code-split.
  worker: { format: 'es' },
  optimizeDeps: {
    // onnxruntime-web ships its own wasm and workers; pre-bundling breaks their relative URLs.
    exclude: ['onnxruntime-web'],
    // The dev server pre-bundles what it finds from these entries before the first page loads. The engine worker
    // is not reachable from index.html's static imports (it is `new Worker(new URL(…))`): without it, its
    // dependencies (protobufjs) are found mid-load and the first visit reloads itself ("optimized dependencies
    // changed"). e2e/dev-server.spec.ts checks that a first visit on an empty cache loads once.
    entries: ['index.html', 'src/engine/worker.ts'],
  },
  build: { target: 'es2022', sourcemap: true },
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // test/large needs the generated SD1.5-dimension models and minutes per network: `npm run test:large`
    exclude: ['e2e/**', 'node_modules/**', 'dist/**', 'test/large/**'],
    environment: 'node',
    // Timeouts catch hangs, not slowness: a test or hook that takes 1 s on a quiet machine can take ten times that
    // beside other work on 2 cores. Slow hooks set their own (Vitest's hook timeout ignores the describe's).
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
