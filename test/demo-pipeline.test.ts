/**
 * The whole pipeline in Node against the demo tools' PyTorch run (tools/demo-model/build.py --stages ref):
 * text encoder outputs, the seeded initial noise, the sampler's sigmas, and a full 20-step Euler a run with
 * CFG 7 — final latent and decoded image. HN_DEMO_ROOT points it at another build with the same layout.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-web';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fsModelSource } from '../src/cli/fs-model-source.ts';
import { ImageRng } from '../src/core/diffusion/noise/index.ts';
import { StableDiffusionPipeline } from '../src/core/diffusion/pipeline/pipeline.ts';
import { DiscreteSchedule, getSampler, parseSchedulerConfig } from '../src/core/diffusion/schedulers/index.ts';
import { ClipTokenizer } from '../src/core/diffusion/tokenizer/index.ts';
import { webRuntime } from '../src/engine/runtime.ts';
import { levelError } from './support/compare.ts';

const ROOT = process.env.HN_DEMO_ROOT ? new URL(`file://${process.env.HN_DEMO_ROOT.replace(/\/?$/, '/')}`) : new URL('../', import.meta.url);
const REF = new URL('test/reference/demo/', ROOT);
const MODEL = fileURLToPath(new URL('public/models/sd-shapes-demo/', ROOT));

interface Manifest {
  tensors: Record<string, { file: string; shape: number[] }>;
  text_prompts: string[];
  sampling: { prompt: string; negative_prompt: string; seed: number; sampler: string; steps: number; cfg_scale: number; width: number; height: number };
}

const manifest = JSON.parse(readFileSync(new URL('manifest.json', REF), 'utf8')) as Manifest;
const tensor = (name: string): Float32Array => {
  const b = readFileSync(new URL(manifest.tensors[name]!.file, REF));
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
};
const maxAbs = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
};

describe('demo pipeline vs PyTorch', { timeout: 120_000 }, () => {
  let pipeline: StableDiffusionPipeline;
  beforeAll(async () => {
    pipeline = await StableDiffusionPipeline.load(fsModelSource(MODEL), webRuntime(ort, { threads: 1 }), { backend: 'wasm' });
  }, 180_000); // hooks do not take the describe's timeout: a model load on a busy machine outlasts the 10 s default
  afterAll(() => pipeline?.release(), 60_000);

  it('tokenizes the prompts to the same ids and encodes them to the same hidden states', async () => {
    const tokenizer = ClipTokenizer.fromFiles(readFileSync(`${MODEL}/tokenizer/vocab.json`, 'utf8'), readFileSync(`${MODEL}/tokenizer/merges.txt`, 'utf8'));
    const ids = manifest.text_prompts.map((p) => tokenizer.encodePadded(p));
    const refIds = readFileSync(new URL(manifest.tensors.text_input_ids!.file, REF));
    expect(Int32Array.from(ids.flat())).toEqual(new Int32Array(refIds.buffer.slice(refIds.byteOffset, refIds.byteOffset + refIds.byteLength)));
    const session = await ort.InferenceSession.create(readFileSync(`${MODEL}/text_encoder/model.onnx`));
    const out = await session.run({ input_ids: new ort.Tensor('int32', Int32Array.from(ids.flat()), [ids.length, 77]) });
    expect(maxAbs(out.last_hidden_state!.data as Float32Array, tensor('text_last_hidden_state'))).toBeLessThanOrEqual(1e-4);
    await session.release();
  });

  it('draws the initial noise bit-exactly and plans the same sigmas', () => {
    const s = manifest.sampling;
    const noise = new ImageRng({ shape: manifest.tensors.sample_noise_initial!.shape.slice(1), seeds: [s.seed] }).next();
    expect(noise).toEqual(tensor('sample_noise_initial'));
    const config = parseSchedulerConfig(readFileSync(`${MODEL}/scheduler/scheduler_config.json`, 'utf8'));
    const sigmas = getSampler(s.sampler).plan(new DiscreteSchedule(config), s.steps).sigmas;
    const ref = tensor('sample_sigmas');
    for (let i = 0; i < ref.length; i++) expect(Math.abs(sigmas[i]! - ref[i]!)).toBeLessThanOrEqual(1e-6 * Math.max(1, ref[i]!));
  });

  it('reproduces the seeded 20-step Euler a run: final latent and image', async () => {
    const s = manifest.sampling;
    const { images } = await pipeline.generate({
      prompt: s.prompt,
      negativePrompt: s.negative_prompt,
      sampler: s.sampler,
      steps: s.steps,
      cfgScale: s.cfg_scale,
      seed: s.seed,
      width: s.width,
      height: s.height,
      batchCount: 1,
    });
    const [result] = images;
    const latentError = maxAbs(result!.latent, tensor('sample_final_latent'));
    expect(latentError).toBeLessThanOrEqual(1e-3);
    const worst = levelError(result!.image, tensor('sample_image'));
    expect(worst).toBeLessThanOrEqual(2);
    console.info(`demo run vs PyTorch: final latent max abs error ${latentError.toExponential(2)}, image max ${worst} level(s)`);
  });
});
