/** Worker entry: parsing and generation run here so the page stays responsive. */
import { expose } from 'comlink';
import { browserGpu } from './backend.ts';
import { Engine } from './engine.ts';
import { installErrorTransfer } from './error-transfer.ts';

installErrorTransfer();

// test-only hooks (forced device loss, live GPU tensor count): only for pages opened with `?testHooks=1`
if ((globalThis as { name?: string }).name === 'engine-test-hooks') void import('./test-hooks.ts').then((m) => m.installTestHooks());

// wasm threads need SharedArrayBuffer, i.e. a cross-origin isolated page (COOP/COEP headers)
const threads = globalThis.crossOriginIsolated ? Math.min(4, Math.max(1, Math.floor((navigator.hardwareConcurrency || 2) / 2))) : 1;

expose(
  new Engine({
    // the native WebGPU EP build; it also carries the WASM EP used as the fallback
    loadOrt: () => import('onnxruntime-web/webgpu'),
    gpu: browserGpu(),
    threads,
  }),
);
