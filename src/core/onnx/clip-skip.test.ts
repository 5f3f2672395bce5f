/**
 * Clip skip as a graph input (clip-skip.ts) on the demo's text encoder: skip 1 is the export's own output bit
 * for bit; skip 2 is the final LayerNorm applied to layer 1's output, read from the graph itself (the layer's
 * output exposed as an extra graph output) and normalised here in float64; larger values clamp to the first layer.
 */
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-web';
import { describe, expect, it } from 'vitest';
import { CLIP_SKIP_INPUT, exposeClipSkip } from './clip-skip.ts';
import { DataType, decodeModel, encodeModel, int } from './proto.ts';

const BYTES = new Uint8Array(readFileSync(new URL('../../../public/models/sd-shapes-demo/text_encoder/model.onnx', import.meta.url)));
const ids = new ort.Tensor('int32', Int32Array.from({ length: 77 }, (_, i) => (i < 6 ? [49406, 320, 1125, 539, 320, 49407][i]! : 49407)), [1, 77]);

async function hidden(bytes: Uint8Array, extra: Record<string, ort.Tensor> = {}, output = 'last_hidden_state'): Promise<Float32Array> {
  const s = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
  const out = (await s.run({ input_ids: ids, ...extra }))[output]!.data as Float32Array;
  await s.release();
  return out;
}

const skip = (n: number) => ({ [CLIP_SKIP_INPUT]: new ort.Tensor('int64', BigInt64Array.of(BigInt(n)), []) });

describe('clip skip', () => {
  it('adds an int64 clip_skip input: 1 is the plain output, 2 is the final LayerNorm of layer 1, larger clamps', async () => {
    const model = decodeModel(BYTES);
    const layers = exposeClipSkip(model);
    expect(layers).toBe(2);
    const patched = encodeModel(model);
    expect(await hidden(patched, skip(1))).toEqual(await hidden(BYTES));

    // layer 1's output, exposed from the original graph, normalised with the final LayerNorm's weights
    const probe = decodeModel(BYTES);
    const norm = probe.graph.node.find((n) => n.output.includes('last_hidden_state'))!;
    const stream = probe.graph.node.find((n) => n.output.includes(norm.input[0]!))!; // layer 2's MLP residual Add
    const mid = probe.graph.node.find((n) => n.output.includes(stream.input[0]!))!; // layer 2's attention residual Add
    const layer1 = mid.input[0]!;
    probe.graph.output.push({ name: layer1, type: { tensor_type: { elem_type: DataType.FLOAT } } });
    const h1 = await hidden(encodeModel(probe), {}, layer1);
    const weight = (name: string) => {
      const t = probe.graph.initializer.find((i) => i.name === name)!;
      return new Float32Array(new Uint8Array(t.raw_data!).buffer);
    };
    const [gamma, beta] = [weight(norm.input[1]!), weight(norm.input[2]!)];
    const eps = norm.attribute.find((a) => a.name === 'epsilon')?.f ?? 1e-5;
    const width = gamma.length;
    const expected = new Float32Array(h1.length);
    for (let r = 0; r < h1.length / width; r++) {
      const row = h1.subarray(r * width, (r + 1) * width);
      const mean = row.reduce((a, v) => a + v, 0) / width;
      const variance = row.reduce((a, v) => a + (v - mean) ** 2, 0) / width;
      for (let c = 0; c < width; c++) expected[r * width + c] = ((row[c]! - mean) / Math.sqrt(variance + eps)) * gamma[c]! + beta[c]!;
    }
    const got = await hidden(patched, skip(2));
    expect(got.reduce((m, v, i) => Math.max(m, Math.abs(v - expected[i]!)), 0)).toBeLessThan(1e-4);
    expect(got).not.toEqual(await hidden(patched, skip(1)));
    expect(await hidden(patched, skip(12))).toEqual(got);
    expect(await hidden(patched, skip(0))).toEqual(await hidden(patched, skip(1)));
    expect(int(model.graph.input.at(-1)!.type!.tensor_type!.elem_type)).toBe(DataType.INT64);
  }, 60_000);
});
