/**
 * The Progressive Web App's build options (vite-plugin-pwa, Workbox generateSW), kept out of vite.config.ts so
 * that a unit test can check them against what the build emits.
 *
 * Precached at install, so that a reload with the network off works after one online visit:
 * - the app shell: index.html, the JS/CSS chunks (the engine worker and onnxruntime-web's bundle among them),
 *   the icons and the manifest (which the plugin adds itself);
 * - onnxruntime-web's wasm: `onnxruntime-web/webgpu` (the only build the worker imports) inlines its emscripten
 *   glue and references one binary, `ort-wasm-simd-threaded.asyncify.wasm` (~27 MB), which serves both the
 *   WebGPU EP and the WASM fallback; it is emitted as `assets/ort-wasm-simd-threaded.asyncify-<hash>.wasm`;
 * - the embedded demo model (`models/sd-shapes-demo/**`, ~18.5 MB) and the demo hypernetworks
 *   (`hypernetworks/*.pt`).
 *
 * Everything is same-origin: the cached responses keep the server's COOP/COEP headers, so a page served from
 * the cache is still cross-origin isolated (multi-threaded wasm). Nothing is ever fetched from another host.
 */
import type { VitePWAOptions } from 'vite-plugin-pwa';

/** Where the embedded demo model is served (mirrors DEMO_MODEL.baseUrl). */
export const DEMO_MODEL_PATH = 'models/sd-shapes-demo/';

/** Globs (relative to dist/) of everything precached. */
export const PRECACHE_GLOBS = [
  '*.{html,svg}',
  'icons/*.png',
  'assets/*.{js,css,wasm,mjs}',
  `${DEMO_MODEL_PATH}**/*`,
  'hypernetworks/*.pt',
] as const;

/** Never precached: source maps (debugging only). */
export const PRECACHE_IGNORES = ['**/*.map'] as const;

/**
 * Workbox skips (with a build warning) any file larger than this. The biggest file is onnxruntime's wasm
 * (26.8 MB in 1.30); the demo U-Net is 10 MB. 64 MiB leaves room for an onnxruntime update, not for a stray
 * multi-gigabyte model dropped into public/.
 */
export const MAX_PRECACHE_FILE_BYTES = 64 * 1024 * 1024;

/**
 * A request for a file of the demo model folder that the precache does not hold: the folder is precached
 * whole, so such a file does not exist in this build (the engine probes the optional `unet/model.onnx_data`).
 * Online it goes to the server as usual; offline the service worker answers 404 instead of a network error,
 * which is what the engine expects for a missing optional file.
 */
function isDemoModelFile({ url, sameOrigin }: { url: URL; sameOrigin: boolean }): boolean {
  return sameOrigin && url.pathname.startsWith('/models/sd-shapes-demo/');
}

export const pwaOptions: Partial<VitePWAOptions> = {
  strategies: 'generateSW',
  // a new version waits until the user chooses "Reload" (never mid-generation): see src/pwa/register.ts
  registerType: 'prompt',
  // src/pwa/register.ts registers it through `virtual:pwa-register`
  injectRegister: false,
  // `npm start` / `npm run dev` run without a service worker
  devOptions: { enabled: false },
  includeManifestIcons: false,
  manifest: {
    name: 'Hypernetwork Studio',
    short_name: 'HN Studio',
    description: 'Inspect and apply AUTOMATIC1111 hypernetworks with Stable Diffusion in your browser, on your own GPU.',
    id: '/',
    start_url: '/',
    scope: '/',
    display: 'standalone',
    theme_color: '#0b0d12',
    background_color: '#0b0d12',
    lang: 'en',
    icons: [
      { src: '/icons/icon-192.png', sizes: '192x192', type: 'image/png', purpose: 'any' },
      { src: '/icons/icon-512.png', sizes: '512x512', type: 'image/png', purpose: 'any' },
      { src: '/icons/maskable-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
      { src: '/favicon.svg', sizes: 'any', type: 'image/svg+xml', purpose: 'any' },
    ],
  },
  workbox: {
    globPatterns: [...PRECACHE_GLOBS],
    globIgnores: [...PRECACHE_IGNORES],
    maximumFileSizeToCacheInBytes: MAX_PRECACHE_FILE_BYTES,
    // the SPA: any navigation (e.g. `/?backend=wasm`) gets the precached index.html
    navigateFallback: 'index.html',
    navigateFallbackDenylist: [/^\/models\//, /^\/hypernetworks\//, /^\/assets\//],
    cleanupOutdatedCaches: true,
    runtimeCaching: [
      {
        urlPattern: isDemoModelFile,
        handler: 'NetworkOnly',
        options: {
          plugins: [
            {
              // self-contained: Workbox serialises this function into the generated sw.js
              handlerDidError: async () => new Response(null, { status: 404, statusText: 'Not in the offline copy of the demo model' }),
            },
          ],
        },
      },
    ],
  },
};
