/**
 * fp32 ↔ fp16 conversion (precision.ts, converted.ts) on the demo's trained networks and the fp16 fixture,
 * run by onnxruntime-web's WASM backend. Note: onnxruntime's CPU kernels compute fp16 graphs in fp32 between
 * casts, so these drifts measure weight and input/output rounding; a GPU's fp16 arithmetic adds its own.
 */
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-web';
import { describe, expect, it } from 'vitest';
import { fsModelSource } from '../../cli/fs-model-source.ts';
import { openNetwork, packageOf, withPrecision } from '../diffusion/pipeline/network-graph.ts';
import { webRuntime } from '../../engine/runtime.ts';
import { float32ToHalf, halfToFloat32 } from './float16.ts';
import { inferElemTypes } from './float-types.ts';
import { DataType, decodeModel } from './proto.ts';
import { halveModel, upcastModel } from './precision.ts';
import { memoryWeightFile } from './weights.ts';

const runtime = webRuntime(ort as never, { threads: 1 });
const demo = fsModelSource(new URL('../../../public/models/sd-shapes-demo/', import.meta.url).pathname);
const wave = (n: number, f: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * f) * 0.9);

type Session = Awaited<ReturnType<typeof runtime.createSession>>;
/** runs `session` on float inputs given as float32 (converted to the session's input types), output as float32 */
async function run(session: Session, inputs: Readonly<Record<string, { readonly data: Float32Array | Int32Array; readonly dims: readonly number[] }>>): Promise<Float32Array> {
  const feeds: Record<string, ort.Tensor> = {};
  for (const meta of session.inputMetadata) {
    if (!meta.isTensor) continue;
    const { data, dims } = inputs[meta.name]!;
    const shape = [...dims];
    feeds[meta.name] = data instanceof Int32Array ? new ort.Tensor('int32', data, shape) : meta.type === 'float16' ? new ort.Tensor('float16', float32ToHalf(data), shape) : new ort.Tensor('float32', data, shape);
  }
  const out = (await session.run(feeds))[session.outputNames[0]!]!;
  return out.type === 'float16' ? halfToFloat32(out.data as Uint16Array) : (out.data as Float32Array);
}

const maxAbs = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);

const UNET_INPUTS = { sample: { data: wave(512, 0.37), dims: [2, 4, 8, 8] }, timestep: { data: Float32Array.of(999), dims: [] }, encoder_hidden_states: { data: wave(2 * 77 * 128, 0.1), dims: [2, 77, 128] } };

describe('precision conversion', () => {
  it('halves the U-Net but keeps its timestep embedding and Resize scales in fp32; output within 2e-3', async () => {
    const net = await openNetwork(demo, 'unet', 'the U-Net');
    const model = decodeModel(net.skeleton);
    const report = halveModel(model);
    const types = inferElemTypes(model.graph);
    const inputsOf = (op: string) => model.graph.node.filter((n) => n.op_type === op).map((n) => types.get(n.input[0]!));
    expect(inputsOf('Sin').length).toBeGreaterThan(0);
    expect([...inputsOf('Sin'), ...inputsOf('Cos')].every((t) => t === DataType.FLOAT)).toBe(true);
    expect(model.graph.node.filter((n) => n.op_type === 'Resize').every((n) => types.get(n.input[2] ?? '') !== DataType.FLOAT16)).toBe(true);
    expect(model.graph.node.filter((n) => n.op_type === 'MatMul' || n.op_type === 'Conv').every((n) => types.get(n.input[0]!) === DataType.FLOAT16)).toBe(true);
    expect(Object.fromEntries(model.graph.input.map((v) => [v.name, v.type?.tensor_type?.elem_type]))).toEqual({ sample: 10, timestep: 1, encoder_hidden_states: 10 });
    // every float weight but the embedding's few is halved
    const floatBytes = net.stats.bytesByType[DataType.FLOAT]!;
    expect(report.convertedBytes).toBeGreaterThan(0.49 * floatBytes);
    expect(report.convertedBytes).toBeLessThanOrEqual(0.5 * floatBytes);

    const base = await runtime.createSession(packageOf(net), { backend: 'wasm' });
    const half = withPrecision(net, 'halve').net;
    expect(half.stats.totalBytes).toBeLessThan(0.51 * net.stats.totalBytes);
    const halfSession = await runtime.createSession(packageOf(half), { backend: 'wasm' });
    const [a, b] = [await run(base, UNET_INPUTS), await run(halfSession, UNET_INPUTS)];
    expect(maxAbs(a, b)).toBeLessThan(2e-3);
    expect(maxAbs(a, b)).toBeGreaterThan(0); // it really is fp16
    // and back: the fp16 weights upcast compute what the fp16 model computes (the CPU does fp16 in fp32)
    const up = await runtime.createSession(packageOf(withPrecision(half, 'upcast').net), { backend: 'wasm' });
    expect(maxAbs(await run(up, UNET_INPUTS), b)).toBeLessThan(1e-3);
    await Promise.all([base, halfSession, up].map((s) => s.release()));
  }, 120_000);

  it('halves the text encoder and the VAE decoder (norms fp32 there) with small drift', async () => {
    const ids = Int32Array.from({ length: 77 }, (_, i) => (i < 5 ? [49406, 320, 1125, 539, 49407][i]! : 49407));
    // bounds: text states relative to their largest value; the image in [-1, 1] absolute (2e-3 ≈ 0.26 of 255 levels)
    for (const [dir, inputs, bound, relative] of [
      ['text_encoder', { input_ids: { data: ids, dims: [1, 77] } }, 5e-3, true],
      ['vae_decoder', { latent_sample: { data: wave(4 * 8 * 8, 0.21).map((v) => v * 3), dims: [1, 4, 8, 8] } }, 2e-3, false],
    ] as const) {
      const net = await openNetwork(demo, dir, dir);
      const half = withPrecision(net, 'halve').net;
      if (dir === 'vae_decoder') {
        const m = decodeModel(half.skeleton);
        const types = inferElemTypes(m.graph);
        const norms = m.graph.node.filter((n) => n.op_type === 'InstanceNormalization' || n.op_type === 'LayerNormalization');
        expect(norms.every((n) => types.get(n.input[0]!) === DataType.FLOAT)).toBe(true);
      }
      const [s32, s16] = [await runtime.createSession(packageOf(net), { backend: 'wasm' }), await runtime.createSession(packageOf(half), { backend: 'wasm' })];
      const [a, b] = [await run(s32, inputs), await run(s16, inputs)];
      const scale = relative ? a.reduce((m, v) => Math.max(m, Math.abs(v)), 0) : 1;
      expect(maxAbs(a, b) / scale).toBeLessThan(bound);
      await Promise.all([s32.release(), s16.release()]);
    }
  }, 120_000);

  it('upcasts an fp16 export (graph, constants, casts and I/O) to fp32', async () => {
    const bytes = new Uint8Array(readFileSync(new URL('../../../test/fixtures/onnx/tiny-unet-fp16.onnx', import.meta.url)));
    const model = decodeModel(bytes);
    upcastModel(model);
    const types = inferElemTypes(model.graph);
    expect([...types.values()].includes(DataType.FLOAT16)).toBe(false);
    const fp16 = await runtime.createSession({ what: 'fp16', graph: bytes, files: new Map() }, { backend: 'wasm' });
    const net = { what: 'fp16', dir: 'unet', skeleton: bytes, files: new Map([['model.onnx', memoryWeightFile(bytes)]]), stats: { totalBytes: 1, bytesByType: { 10: 1 }, largestBytes: 1, largestName: '', count: 1 } };
    const up = await runtime.createSession(packageOf(withPrecision(net, 'upcast').net), { backend: 'wasm' });
    expect(up.inputMetadata.every((m) => !m.isTensor || m.type !== 'float16')).toBe(true);
    const inputs = { sample: { data: wave(2 * 4 * 4 * 4, 0.3), dims: [2, 4, 4, 4] }, timestep: { data: Float32Array.of(500), dims: [] }, encoder_hidden_states: { data: wave(2 * 77 * 12, 0.2), dims: [2, 77, 12] } };
    expect(maxAbs(await run(up, inputs), await run(fp16, inputs))).toBeLessThan(2e-3);
  }, 60_000);
});
