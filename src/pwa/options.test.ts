/**
 * The precache list, checked without a build: Workbox's own `getManifest` runs the PWA options over a stand-in
 * dist/ whose files have the names and sizes `vite build` gives them (sparse files), the onnxruntime wasm
 * included: the one that the build of onnxruntime-web the engine worker imports references.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { getManifest } from 'workbox-build';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_MODEL } from '../state/model-types.ts';
import { DEMO_MODEL_PATH, MAX_PRECACHE_FILE_BYTES, PRECACHE_GLOBS, PRECACHE_IGNORES, pwaOptions } from './options.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const ORT_DIST = path.join(ROOT, 'node_modules/onnxruntime-web/dist');

/** The wasm file names that the build of onnxruntime-web imported by the engine worker loads. */
function ortWasmOfWorker(): string[] {
  const worker = readFileSync(path.join(ROOT, 'src/engine/worker.ts'), 'utf8');
  const imports = [...worker.matchAll(/import\('(onnxruntime-web[^']*)'\)/g)].map((m) => m[1]!);
  expect(imports).toEqual(['onnxruntime-web/webgpu']);
  const pkg = JSON.parse(readFileSync(path.join(ROOT, 'node_modules/onnxruntime-web/package.json'), 'utf8')) as {
    exports: Record<string, { import: { default: string } }>;
  };
  // Vite resolves the `import` condition's default: the bundle with the emscripten glue inlined
  const entry = pkg.exports['./webgpu']!.import.default;
  const bundle = readFileSync(path.join(ROOT, 'node_modules/onnxruntime-web', entry), 'utf8');
  return [...new Set([...bundle.matchAll(/new URL\("([^"]+\.wasm)",\s*import\.meta\.url\)/g)].map((m) => m[1]!))];
}

/** A file of `size` bytes that takes no disk space. */
function sparse(file: string, size: number): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, '');
  truncateSync(file, size);
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => statSync(path.join(dir, f)).isFile())
    .map((f) => f.split(path.sep).join('/'));
}

describe('PWA precache', () => {
  let dist: string;
  let wasmAsset: string;
  let publicFiles: string[];

  beforeAll(() => {
    dist = mkdtempSync(path.join(tmpdir(), 'hn-pwa-dist-'));
    const wasm = ortWasmOfWorker();
    expect(wasm).toEqual(['ort-wasm-simd-threaded.asyncify.wasm']);
    // what vite build emits: hashed assets, their source maps, the public/ folder as is
    wasmAsset = `assets/${wasm[0]!.replace(/\.wasm$/, '')}-D5D0fo7z.wasm`;
    sparse(path.join(dist, wasmAsset), statSync(path.join(ORT_DIST, wasm[0]!)).size);
    for (const f of ['index.html', 'sw.js', 'assets/index-1Yrp7q5w.js', 'assets/index-B4zVHHbE.css', 'assets/worker-D3y-44z8.js', 'assets/ort.webgpu.bundle.min-BI98FhyO.js']) {
      sparse(path.join(dist, f), 1000);
    }
    sparse(path.join(dist, 'assets/index-1Yrp7q5w.js.map'), 1000);
    publicFiles = filesUnder(path.join(ROOT, 'public'));
    for (const f of publicFiles) sparse(path.join(dist, f), statSync(path.join(ROOT, 'public', f)).size);
  }, 60_000);

  afterAll(() => rmSync(dist, { recursive: true, force: true }), 60_000);

  async function manifest() {
    const { manifestEntries, warnings, size } = await getManifest({
      globDirectory: dist,
      globPatterns: [...PRECACHE_GLOBS],
      globIgnores: [...PRECACHE_IGNORES],
      maximumFileSizeToCacheInBytes: MAX_PRECACHE_FILE_BYTES,
    });
    return { urls: (manifestEntries ?? []).map((e) => e.url).sort(), warnings, size };
  }

  it('holds the onnxruntime wasm the engine worker loads, under the size limit', async () => {
    const { urls, warnings } = await manifest();
    expect(warnings).toEqual([]);
    expect(urls).toContain(wasmAsset);
    expect(urls.filter((u) => u.endsWith('.wasm'))).toEqual([wasmAsset]);
    expect(MAX_PRECACHE_FILE_BYTES).toBeGreaterThan(statSync(path.join(ORT_DIST, 'ort-wasm-simd-threaded.asyncify.wasm')).size);
  });

  it('holds the app shell, the whole demo model and the demo hypernetworks, and no source maps or sw.js', async () => {
    const { urls, size } = await manifest();
    for (const f of ['index.html', 'assets/index-1Yrp7q5w.js', 'assets/index-B4zVHHbE.css', 'assets/worker-D3y-44z8.js', 'assets/ort.webgpu.bundle.min-BI98FhyO.js']) {
      expect(urls).toContain(f);
    }
    const model = publicFiles.filter((f) => f.startsWith(DEMO_MODEL_PATH));
    expect(model).toContain(`${DEMO_MODEL_PATH}unet/model.onnx`);
    const hypernetworks = publicFiles.filter((f) => f.startsWith('hypernetworks/') && f.endsWith('.pt'));
    expect(hypernetworks).toEqual(expect.arrayContaining(['hypernetworks/stripes.pt', 'hypernetworks/invert.pt']));
    for (const f of [...model, ...hypernetworks, 'favicon.svg', 'icons/icon-192.png', 'icons/icon-512.png', 'icons/maskable-512.png']) {
      expect(urls).toContain(f);
    }
    expect(urls.filter((u) => u.endsWith('.map') || u === 'sw.js')).toEqual([]);
    // the wasm, the model and the hypernetworks: what a first visit downloads for offline use
    expect(size).toBeGreaterThan(40e6);
    expect(size).toBeLessThan(60e6);
  });

  it('agrees with the app: the demo model path, the manifest icons, a prompt for updates', () => {
    expect(DEMO_MODEL.baseUrl).toBe(`/${DEMO_MODEL_PATH}`);
    expect(pwaOptions.registerType).toBe('prompt');
    expect(pwaOptions.devOptions?.enabled).toBe(false);
    const icons = (pwaOptions.manifest && pwaOptions.manifest.icons) || [];
    for (const icon of icons) expect(publicFiles).toContain(icon.src.replace(/^\//, ''));
    expect(icons.map((i) => i.sizes)).toEqual(expect.arrayContaining(['192x192', '512x512']));
    expect(icons.some((i) => i.purpose === 'maskable')).toBe(true);
  });
});
