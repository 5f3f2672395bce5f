/**
 * Generates the scorer's 120 prompts (tools/demo-model/score.py `prompt_list`, seeds 1000+i) with the app's own
 * engine (Node, WASM) for several samplers, writing raw RGB for `score.py --classify-dir`.
 *   node --import tsx tools/demo-model/sampler_scores.ts PROMPTS.json OUTDIR "Euler a" "DPM++ 2M Karras" …
 */
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import * as ort from 'onnxruntime-web';
import { fsModelSource } from '../../src/cli/fs-model-source.ts';
import { Engine } from '../../src/engine/engine.ts';

const [promptsFile, outDir, ...samplers] = process.argv.slice(2);
const prompts = JSON.parse(readFileSync(promptsFile!, 'utf8')) as { prompt: string; seed: number }[];
const engine = new Engine({ loadOrt: async () => ort as never, threads: 1 });
await engine.loadFrom(fsModelSource('public/models/sd-shapes-demo/'), 'wasm');
for (const sampler of samplers) {
  const dir = `${outDir}/${sampler.replace(/\W+/g, '_')}`;
  mkdirSync(dir, { recursive: true });
  const t0 = performance.now();
  for (const [i, p] of prompts.entries()) {
    const r = await engine.generate({ prompt: p.prompt, negativePrompt: '', sampler, steps: 20, cfgScale: 7, seed: p.seed, width: 64, height: 64, batchCount: 1 });
    const rgba = new Uint8Array(r.images[0]!.rgba);
    const rgb = new Uint8Array(64 * 64 * 3);
    for (let k = 0; k < 64 * 64; k++) rgb.set(rgba.subarray(4 * k, 4 * k + 3), 3 * k);
    writeFileSync(`${dir}/${String(i).padStart(3, '0')}.rgb`, rgb);
  }
  console.log(`${sampler}: ${prompts.length} images in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
}
await engine.unloadModel();
