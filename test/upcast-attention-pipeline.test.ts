/**
 * Upcast attention where the pipeline loads a model: an fp16 U-Net of a model that asks for it (unet config
 * `upcast_attention`, or v-prediction) gets its attention scores in fp32; the same image comes out as without
 * the upcast within fp16 rounding (onnxruntime's CPU computes fp16 in fp32 between casts, so this checks the
 * rewrite keeps the graph's meaning; the overflow it prevents shows on f16 GPUs only).
 */
import * as ort from 'onnxruntime-web';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fsModelSource } from '../src/cli/fs-model-source.ts';
import { findAttentionSites } from '../src/core/onnx/locate.ts';
import { decodeModel } from '../src/core/onnx/proto.ts';
import { withPrecision } from '../src/core/diffusion/pipeline/network-graph.ts';
import { needsUpcastAttention, openModel, type OpenedModel } from '../src/core/diffusion/pipeline/open-model.ts';
import { StableDiffusionPipeline, type GenerateRequest } from '../src/core/diffusion/pipeline/pipeline.ts';
import { DiscreteSchedule } from '../src/core/diffusion/schedulers/discrete.ts';
import { SD1_SCHEDULE } from '../src/core/diffusion/schedulers/config.ts';
import { webRuntime } from '../src/engine/runtime.ts';

const MODEL = new URL('../public/models/sd-shapes-demo/', import.meta.url).pathname;
const runtime = webRuntime(ort as never, { threads: 1 });
const request: GenerateRequest = { prompt: 'a small red circle on the left, white background', negativePrompt: '', sampler: 'Euler', steps: 2, cfgScale: 7, seed: 3, width: 64, height: 64, batchCount: 1 };

describe('upcast attention at load', () => {
  let fp16: OpenedModel;
  const pipelines: StableDiffusionPipeline[] = [];
  beforeAll(async () => {
    const opened = await openModel(fsModelSource(MODEL));
    fp16 = { ...opened, networks: { ...opened.networks, unet: withPrecision(opened.networks.unet, 'halve').net } };
  }, 120_000);
  afterAll(() => Promise.all(pipelines.map((p) => p.release())), 60_000);

  it('is asked for by the U-Net config or by v-prediction', () => {
    const epsilon = new DiscreteSchedule(SD1_SCHEDULE);
    const v = new DiscreteSchedule({ ...SD1_SCHEDULE, predictionType: 'v_prediction' });
    const config = fp16.config;
    expect(needsUpcastAttention({ config, schedule: epsilon })).toBe(false);
    expect(needsUpcastAttention({ config: { ...config, upcastAttention: true }, schedule: epsilon })).toBe(true);
    expect(needsUpcastAttention({ config, schedule: v })).toBe(true);
  });

  it('upcasts every attention of an fp16 U-Net that needs it, and the image stays as close to fp32', async () => {
    const plain = await StableDiffusionPipeline.create(fp16, runtime, { backend: 'wasm', warmup: false });
    pipelines.push(plain);
    expect(plain.info.load.conversions.some((c) => c.change === 'attention')).toBe(false);
    const upcast = await StableDiffusionPipeline.create({ ...fp16, config: { ...fp16.config, upcastAttention: true } }, runtime, { backend: 'wasm', warmup: false });
    pipelines.push(upcast);
    // a site is one K or V input: two per attention
    const attentions = findAttentionSites(decodeModel(fp16.networks.unet.skeleton).graph).sites.length / 2;
    const report = upcast.info.load.conversions.find((c) => c.change === 'attention');
    // one Softmax per attention (self and cross), each with its Q·Kᵀ
    expect(report?.detail).toBe(`${attentions} attention softmaxes with their Q·Kᵀ`);
    const fp32 = await StableDiffusionPipeline.create(await openModel(fsModelSource(MODEL)), runtime, { backend: 'wasm', warmup: false });
    pipelines.push(fp32);
    const latent = async (p: StableDiffusionPipeline) => (await p.generate(request)).images[0]!.latent;
    const [ref, a, b] = [await latent(fp32), await latent(plain), await latent(upcast)];
    const err = (x: Float32Array) => x.reduce((m, v, i) => Math.max(m, Math.abs(v - ref[i]!)), 0);
    const scale = ref.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    // measured: both 5.7e-3 of the latent's range from fp32 after 2 steps; upcast is never the worse of the two
    expect(err(b) / scale).toBeLessThan(1e-2);
    expect(err(b)).toBeLessThanOrEqual(err(a) * 1.1);
    expect(b.some((v, i) => v !== a[i])).toBe(true); // the rewrite really changed the graph that ran
  }, 240_000);

  it('leaves an fp32 U-Net alone', async () => {
    const opened = await openModel(fsModelSource(MODEL));
    const p = await StableDiffusionPipeline.create({ ...opened, config: { ...opened.config, upcastAttention: true } }, runtime, { backend: 'wasm', warmup: false });
    pipelines.push(p);
    expect(p.info.load.conversions).toEqual([]);
  }, 120_000);
});
