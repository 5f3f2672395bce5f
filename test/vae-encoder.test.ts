/**
 * The VAE encoder as the pipeline runs it: Optimum's `latent_sample = mean + std · randn` made the mean (random
 * ops replaced by zeros, run twice: identical), and the pipeline's encode = the demo graph's output on A1111's
 * [-1, 1] input × the model's scaling factor.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-web';
import { describe, expect, it } from 'vitest';
import { fsModelSource } from '../src/cli/fs-model-source.ts';
import { rgbaToVaeInput } from '../src/core/diffusion/pipeline/image.ts';
import { StableDiffusionPipeline } from '../src/core/diffusion/pipeline/pipeline.ts';
import { withoutRandomSampling } from '../src/core/onnx/deterministic-sample.ts';
import { DataType, encodeModel, type ModelProto, type ValueInfoProto } from '../src/core/onnx/proto.ts';
import { webRuntime } from '../src/engine/runtime.ts';
import { DEMO_MODEL } from './support/demo-engine.ts';

const value = (name: string): ValueInfoProto => ({ name, type: { tensor_type: { elem_type: DataType.FLOAT, shape: { dim: [{ dim_value: 1 }, { dim_value: 4 }, { dim_value: 2 }, { dim_value: 2 }] } } } });

/** diffusers' DiagonalGaussianDistribution.sample() as the exporter traces it. */
function samplingGraph(): ModelProto {
  return {
    ir_version: 8,
    opset_import: [{ domain: '', version: 17 }],
    graph: {
      name: 'sample',
      node: [
        { op_type: 'RandomNormalLike', input: ['mean'], output: ['eps'], attribute: [] },
        { op_type: 'Mul', input: ['std', 'eps'], output: ['scaled'], attribute: [] },
        { op_type: 'Add', input: ['mean', 'scaled'], output: ['latent_sample'], attribute: [] },
      ],
      initializer: [],
      input: [value('mean'), value('std')],
      output: [value('latent_sample')],
      value_info: [],
    },
  };
}

describe('the VAE encoder', { timeout: 120_000 }, () => {
  it("Optimum's sampled latent becomes the distribution's mean, the same every run", async () => {
    const mean = Float32Array.from({ length: 16 }, (_, i) => i / 7 - 1);
    const std = new Float32Array(16).fill(0.5);
    const feeds = { mean: new ort.Tensor('float32', mean, [1, 4, 2, 2]), std: new ort.Tensor('float32', std, [1, 4, 2, 2]) };
    const sampled = await ort.InferenceSession.create(encodeModel(samplingGraph()));
    expect(Array.from((await sampled.run(feeds)).latent_sample!.data as Float32Array)).not.toEqual(Array.from(mean));
    const model = samplingGraph();
    expect(withoutRandomSampling(model)).toBe(1);
    const fixed = await ort.InferenceSession.create(encodeModel(model));
    for (let k = 0; k < 2; k++) expect(Array.from((await fixed.run(feeds)).latent_sample!.data as Float32Array)).toEqual(Array.from(mean));
  });

  it("the pipeline's encode is the graph's output on A1111's [-1, 1] input × the scaling factor", async () => {
    const pipeline = await StableDiffusionPipeline.load(fsModelSource(DEMO_MODEL), webRuntime(ort as never, { threads: 1 }), { backend: 'wasm' });
    try {
      const data = new Uint8ClampedArray(64 * 64 * 4).map((_, i) => (i % 4 === 3 ? 255 : (i * 37) % 256));
      const image = { width: 64, height: 64, data };
      const ours = await pipeline.encode(image, 'test');
      const session = await ort.InferenceSession.create(readFileSync(join(DEMO_MODEL, 'vae_encoder', 'model.onnx')));
      const out = await session.run({ sample: new ort.Tensor('float32', rgbaToVaeInput(image), [1, 3, 64, 64]) });
      const scaling = JSON.parse(readFileSync(join(DEMO_MODEL, 'vae_encoder', 'config.json'), 'utf8')).scaling_factor as number;
      expect(scaling).toBe(1.10567);
      const expected = Array.from(out.latent_sample!.data as Float32Array, (v) => Math.fround(v * Math.fround(scaling)));
      expect(Array.from(ours)).toEqual(expected);
      // A1111's input: x / 255 · 2 − 1 in float32
      expect(rgbaToVaeInput({ width: 1, height: 1, data: Uint8ClampedArray.of(0, 255, 128, 255) })).toEqual(Float32Array.of(-1, 1, Math.fround(Math.fround(128 / 255) * 2 - 1)));
    } finally {
      await pipeline.release();
    }
  });
});
