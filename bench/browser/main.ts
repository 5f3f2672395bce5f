/** Browser half of `npm run bench browser`: the real worker engine, timed per stage, results on window. */
import { getEngine } from '../../src/engine/client.ts';

const params = new URLSearchParams(location.search);
const backend = params.get('backend') === 'webgpu' ? 'webgpu' : 'wasm';
const runs = Number(params.get('runs') ?? 3);
const steps = Number(params.get('steps') ?? 20);

const w = window as unknown as { __bench?: unknown; __benchError?: string };
try {
  const engine = getEngine();
  const info = await engine.loadModel({ kind: 'url', name: 'sd-shapes-demo', baseUrl: '/models/sd-shapes-demo/' }, backend);
  const times = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const r = await engine.generate({
      prompt: 'a large green triangle at the top, black background',
      negativePrompt: '',
      sampler: 'Euler a',
      steps,
      cfgScale: 7,
      seed: 1234 + i,
      width: info.defaultSize,
      height: info.defaultSize,
      batchCount: 1,
    });
    times.push({ ...r.timings, uploads: r.uploads, totalMs: performance.now() - t0 });
  }
  w.__bench = { info, times };
  document.getElementById('out')!.textContent = JSON.stringify(w.__bench, null, 1);
} catch (e) {
  w.__benchError = String((e as Error)?.message ?? e);
}
