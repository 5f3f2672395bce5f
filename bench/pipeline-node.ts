/** Per-stage timings of the generation pipeline in Node (onnxruntime-web WASM, 1 and 2 threads). */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { fsModelSource } from '../src/cli/fs-model-source.ts';
import { Engine } from '../src/engine/engine.ts';
import { formatStages, median, type StageTimes } from './stats.ts';

export const DEMO_MODEL = join(import.meta.dirname, '..', 'public', 'models', 'sd-shapes-demo');
export const BENCH_REQUEST = {
  prompt: 'a large green triangle at the top, black background',
  negativePrompt: '',
  sampler: 'Euler a',
  steps: 20,
  cfgScale: 7,
  seed: 1234,
  batchCount: 1,
};
const RUNS = 5;

export async function measureEngine(engine: Engine, runs = RUNS): Promise<StageTimes & { totalMs: number }> {
  const info = engine.loaded!.info;
  const times: (StageTimes & { totalMs: number })[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const { timings } = await engine.generate({ ...BENCH_REQUEST, seed: BENCH_REQUEST.seed + i, width: info.defaultSize, height: info.defaultSize });
    times.push({ textEncoderMs: timings.encodeMs / 2, unetStepMs: timings.denoiseMs / timings.unetCalls, vaeMs: timings.decodeMs, totalMs: performance.now() - t0 });
  }
  return {
    textEncoderMs: median(times.map((t) => t.textEncoderMs)),
    unetStepMs: median(times.map((t) => t.unetStepMs)),
    vaeMs: median(times.map((t) => t.vaeMs)),
    totalMs: median(times.map((t) => t.totalMs)),
  };
}

/** One thread count per process: onnxruntime-web fixes its wasm thread pool at the first session. */
async function measureInThisProcess(model: string, threads: number): Promise<void> {
  const engine = new Engine({ loadOrt: () => import('onnxruntime-web'), threads });
  const info = await engine.loadFrom(fsModelSource(model), 'wasm');
  const t = await measureEngine(engine);
  console.log(`${formatStages(`Node WASM, ${threads} thread${threads > 1 ? 's' : ''}`, t)} · ${BENCH_REQUEST.steps}-step ${info.defaultSize}² image ${t.totalMs.toFixed(0)} ms (medians of ${RUNS}; text encoder per prompt)`);
  await engine.unloadModel();
}

export async function benchPipelineNode(model = DEMO_MODEL): Promise<void> {
  for (const threads of [1, 2]) {
    execFileSync(process.execPath, ['--import', 'tsx', import.meta.filename, model, String(threads)], { stdio: 'inherit' });
  }
}

if (process.argv[1] === import.meta.filename) await measureInThisProcess(process.argv[2]!, Number(process.argv[3]));
