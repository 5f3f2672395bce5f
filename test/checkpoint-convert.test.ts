/**
 * A1111 checkpoints converted client-side (src/core/checkpoint) against PyTorch: the tiny SD1-like and SD2-like
 * checkpoints of tools/checkpoint/make_checkpoints.py, in .safetensors and .ckpt, converted into a MemoryFs
 * store, loaded as the engine loads an installed model, each network run on onnxruntime-web (WASM) on the inputs
 * PyTorch used with LDM's own modules; the fp16 conversion's drift; a seeded 4-step Euler image.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planWasm } from '../src/core/diffusion/pipeline/memory-plan.ts';
import { openModel, planInput } from '../src/core/diffusion/pipeline/open-model.ts';
import { StableDiffusionPipeline } from '../src/core/diffusion/pipeline/pipeline.ts';
import { openNetwork } from '../src/core/diffusion/pipeline/network-graph.ts';
import { findAttentionSites } from '../src/core/onnx/locate.ts';
import { decodeModel } from '../src/core/onnx/proto.ts';
import { convertInto, fixture, fixtureBytes, reference, runNetwork, runtime, yamlOf } from './support/checkpoints.ts';
import { levelError, relErr } from './support/compare.ts';

const report: string[] = [];
afterAll(() => console.info(`\n${report.join('\n')}`));

/** every network of a converted checkpoint vs PyTorch; returns the errors */
async function compare(family: string, source: Awaited<ReturnType<typeof convertInto>>['source']) {
  const ref = reference(family);
  const ctx = ref.meta.tensors.text_hidden!.shape[2]!;
  const text = await runNetwork(source, 'text_encoder', { input_ids: { data: ref.ids(), dims: [2, 77] } });
  const unet = await runNetwork(source, 'unet', {
    sample: { data: ref.tensor('unet_sample'), dims: [2, 4, 8, 8] },
    timestep: { data: Float32Array.of(ref.meta.timestep), dims: [] },
    encoder_hidden_states: { data: ref.tensor('text_hidden'), dims: [2, 77, ctx] },
  });
  const decoder = await runNetwork(source, 'vae_decoder', { latent_sample: { data: ref.tensor('vae_latent'), dims: [1, 4, 8, 8] } });
  const encoder = await runNetwork(source, 'vae_encoder', { sample: { data: ref.tensor('vae_pixels'), dims: [1, 3, 16, 16] } });
  return {
    text: relErr(text, ref.tensor('text_hidden')),
    unet: relErr(unet, ref.tensor('unet_out')),
    decoder: relErr(decoder, ref.tensor('vae_image')),
    encoder: relErr(encoder, ref.tensor('vae_mean')),
  };
}

const fmt = (e: Record<string, number>) => Object.entries(e).map(([k, v]) => `${k} ${v.toExponential(2)}`).join(', ');

describe('A1111 checkpoints → ONNX, against PyTorch (LDM modules)', { timeout: 300_000 }, () => {
  for (const family of ['sd1', 'sd2']) {
    for (const format of ['safetensors', 'ckpt']) {
      it(`${family} .${format}: text encoder, U-Net, VAE decoder and encoder within 1e-4`, async () => {
        const { result, source } = await convertInto(fixture(`${family}-tiny.${format}`), { config: yamlOf(family) });
        const errors = await compare(family, source);
        report.push(`${family}-tiny.${format} fp32 vs PyTorch (max error / max value): ${fmt(errors)}`);
        for (const e of Object.values(errors)) expect(e).toBeLessThan(1e-4);
        expect(result.architecture.family).toBe(family);
        expect(result.unusedTensors).toEqual([]);
        if (format === 'ckpt') expect(result.otherKeys).toEqual(expect.arrayContaining(['global_step', 'epoch']));
      });
    }
  }

  it('fp16 conversion: drift of each network against PyTorch fp32', async () => {
    for (const family of ['sd1', 'sd2']) {
      const { result, source } = await convertInto(fixture(`${family}-tiny.safetensors`), { config: yamlOf(family), precision: 'fp16' });
      expect(result.manifest.storage?.precision).toBe('fp16');
      const errors = await compare(family, source);
      report.push(`${family}-tiny fp16 drift vs PyTorch fp32: ${fmt(errors)}`);
      for (const e of Object.values(errors)) expect(e).toBeLessThan(2e-2);
    }
  });

  it('A1111 identity: Model is the file stem, Model hash the first 10 hex of the file SHA-256; the scheduler says what is predicted', async () => {
    const bytes = fixtureBytes('sd1-tiny.safetensors');
    const { fs, result } = await convertInto(fixture('sd1-tiny.safetensors', bytes));
    const sha = createHash('sha256').update(bytes).digest('hex');
    expect(result.sha256).toBe(sha);
    expect(result.manifest).toMatchObject({ name: 'sd1-tiny', modelHash: sha.slice(0, 10), id: 'converted' });
    expect(result.prediction).toMatchObject({ value: 'epsilon' });
    const scheduler = JSON.parse(new TextDecoder().decode(fs.files.get('models/converted/scheduler/scheduler_config.json')!));
    expect(scheduler).toMatchObject({ prediction_type: 'epsilon', beta_start: 0.00085, beta_end: 0.012, beta_schedule: 'scaled_linear' });
    // every network is re-sharded; no virtual checkpoint file is stored
    expect([...fs.files.keys()].filter((p) => p.endsWith('.bin')).every((p) => /\/weights-\d+\.bin$/.test(p))).toBe(true);
  });

  it('the K/V locator finds every attention projection of the converted U-Net by name', async () => {
    const { source } = await convertInto(fixture('sd1-tiny.safetensors'), { config: yamlOf('sd1') });
    const unet = await openNetwork(source, 'unet', 'the U-Net');
    const { sites, method, contextInput } = findAttentionSites(decodeModel(unet.skeleton).graph);
    expect(method).toBe('names');
    expect(contextInput).toBe('encoder_hidden_states');
    // every transformer (levels 0 and 1 and the middle): K and V of attn1 and attn2 each
    const widths = (attention: string) => [...new Set(sites.filter((s) => s.attention === attention).map((s) => s.width))].sort((a, b) => a - b);
    expect(widths('attn1')).toEqual([32, 64]);
    expect(widths('attn2')).toEqual([64]);
    expect(sites.length % 4).toBe(0);
  });

  it('SD2: the yaml says v-prediction; without it the conversion asks, or runs A1111 probe', async () => {
    const withYaml = await convertInto(fixture('sd2-tiny.safetensors'), { config: yamlOf('sd2') });
    expect(withYaml.result.prediction).toMatchObject({ value: 'v_prediction', source: expect.stringContaining('sd2-tiny.yaml') });
    const ask = await convertInto(fixture('sd2-tiny.safetensors')).catch((e: unknown) => e);
    expect(ask).toMatchObject({ code: 'bad-request', details: { needs: 'prediction' } });

    const ref = reference('sd2');
    const { result, fs } = await convertInto(fixture('sd2-tiny.safetensors'), {
      detectPrediction: async (unet) => (await import('../src/core/checkpoint/prediction.ts')).probeVPrediction(runtime, unet, 'wasm'),
    });
    report.push(`A1111 v-prediction probe on sd2-tiny: ${result.prediction.probeValue} here, ${ref.meta.probe_value} in PyTorch`);
    expect(Math.abs(result.prediction.probeValue! - ref.meta.probe_value)).toBeLessThan(1e-4 * Math.max(1, Math.abs(ref.meta.probe_value)));
    expect(result.prediction.value).toBe(ref.meta.probe_says_v ? 'v_prediction' : 'epsilon');
    const scheduler = JSON.parse(new TextDecoder().decode(fs.files.get('models/converted/scheduler/scheduler_config.json')!));
    expect(scheduler.prediction_type).toBe(result.prediction.value);
  });

  it('a separate VAE (.vae.pt) replaces the checkpoint VAE', async () => {
    const { source } = await convertInto(fixture('sd1-tiny.safetensors'), { vae: fixture('sd1-tiny.vae.pt') });
    const ref = reference('sd1');
    const image = await runNetwork(source, 'vae_decoder', { latent_sample: { data: ref.tensor('vae_latent'), dims: [1, 4, 8, 8] } });
    expect(relErr(image, ref.tensor('vae_override_image'))).toBeLessThan(1e-4);
    expect(relErr(image, ref.tensor('vae_image'))).toBeGreaterThan(1e-2);
  });
});

describe('a converted SD1 checkpoint generates the PyTorch image', { timeout: 300_000 }, () => {
  let pipeline: StableDiffusionPipeline;
  beforeAll(async () => {
    const { source } = await convertInto(fixture('sd1-tiny.ckpt'), { config: yamlOf('sd1') });
    const model = await openModel(source);
    // planned at the size generated (the tiny VAE halves each side: its 512² default would be a 256² latent)
    pipeline = await StableDiffusionPipeline.create(model, runtime, { backend: 'wasm', plan: planWasm(planInput(model, 32, 32)), warmup: false });
  }, 300_000);
  afterAll(() => pipeline?.release(), 60_000);

  it('seeded 4-step Euler with CFG 7 at 32×32: final latent within 1e-3, image within 2 levels; the model is named and hashed as A1111 does', async () => {
    const ref = reference('sd1');
    const run = ref.meta.run!;
    const { images } = await pipeline.generate({ prompt: run.prompt, negativePrompt: run.negative_prompt, sampler: run.sampler, steps: run.steps, cfgScale: run.cfg_scale, seed: run.seed, width: run.width, height: run.height, batchCount: 1 });
    const [result] = images;
    const latentError = relErr(result!.latent, ref.tensor('run_latent'));
    const worst = levelError(result!.image, ref.tensor('run_image'));
    report.push(`sd1-tiny.ckpt seeded Euler run vs PyTorch: final latent ${latentError.toExponential(2)} (relative), image max ${worst} level(s)`);
    expect(latentError).toBeLessThan(1e-3);
    expect(worst).toBeLessThanOrEqual(2);
    // what the engine writes as `Model:` and `Model hash:` (infotext.ts)
    expect(pipeline.info.name).toBe('sd1-tiny');
    expect(pipeline.info.modelHash).toBe(createHash('sha256').update(fixtureBytes('sd1-tiny.ckpt')).digest('hex').slice(0, 10));
  });
});
