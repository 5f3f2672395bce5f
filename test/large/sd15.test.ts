/**
 * Real SD1.5 dimensions (`npm run test:large`): the pipeline written by tools/large-model/make_sd15.py in three
 * export layouts (Optimum fp32 with model.onnx_data, single-file fp16, the older weights.pb export), loaded the
 * way the CLI loads them (native onnxruntime, CPU), each network checked against PyTorch on the same inputs,
 * the hypernetwork through A1111's hook, a 2-step generation with and without it, the WASM refusal, and the
 * fp32 → fp16 conversion's drift. Prints what it measured (times, RSS, drift) for the README.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { diskFile, fsModelSource } from '../../src/cli/fs-model-source.ts';
import { openNetwork, packageOf, withPrecision, withUpcastAttention, type NetworkGraph } from '../../src/core/diffusion/pipeline/network-graph.ts';
import { isStudioError } from '../../src/core/errors.ts';
import { readHypernetwork } from '../../src/core/hypernetwork/index.ts';
import { float32ToHalf, halfToFloat32 } from '../../src/core/onnx/float16.ts';
import type { Ort, OrtSession } from '../../src/core/onnx/ort.ts';
import { CLIP_SKIP_INPUT, exposeClipSkip } from '../../src/core/onnx/clip-skip.ts';
import { patchModel } from '../../src/core/onnx/patch.ts';
import { decodeModel, encodeModel } from '../../src/core/onnx/proto.ts';
import type { Runtime } from '../../src/core/onnx/runtime.ts';
import { Engine } from '../../src/engine/engine.ts';
import { nativeRuntime } from '../../src/engine/runtime-node.ts';
import { relErr } from '../support/compare.ts';

const ROOT = join(import.meta.dirname, '../../.cache/sd15');
const ready = existsSync(join(ROOT, 'stamp.json'));
const ref = ready ? JSON.parse(readFileSync(join(ROOT, 'reference/reference.json'), 'utf8')) : null;
const tensor = (name: string): Float32Array => {
  const b = readFileSync(join(ROOT, 'reference', ref.tensors[name].file));
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
};
const ids = (): Int32Array => {
  const b = readFileSync(join(ROOT, 'reference/input_ids.bin'));
  return new Int32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
};
const HYPERNETWORK = join(ROOT, 'hypernetwork/sd1-full.pt');

const rss = () => process.memoryUsage().rss;
const gib = (n: number) => `${(n / 2 ** 30).toFixed(2)} GiB`;
const report: string[] = [];

/** Feeds from float32/int32 data, typed as the session wants them (float16 where it takes float16). */
function feeds(ort: Ort, session: OrtSession, data: Record<string, { data: Float32Array | Int32Array; dims: number[] }>) {
  const out: Record<string, InstanceType<Ort['Tensor']>> = {};
  for (const meta of session.inputMetadata) {
    // inputs not given here (clip_skip) are the caller's
    if (!meta.isTensor || !data[meta.name]) continue;
    const { data: d, dims } = data[meta.name]!;
    // the older export's timestep is [batch]; Optimum's a scalar
    const shape = meta.name === 'timestep' ? meta.shape.map(() => 1) : dims;
    if (d instanceof Int32Array) out[meta.name] = meta.type === 'int64' ? new ort.Tensor('int64', BigInt64Array.from(d, (v) => BigInt(v)), shape) : new ort.Tensor('int32', d, shape);
    else out[meta.name] = meta.type === 'float16' ? new ort.Tensor('float16', float32ToHalf(d), shape) : new ort.Tensor('float32', d, shape);
  }
  return out;
}

async function output(ort: Ort, session: OrtSession, data: Parameters<typeof feeds>[2]): Promise<Float32Array> {
  const t = (await session.run(feeds(ort, session, data)))[session.outputNames[0]!]!;
  return t.type === 'float16' ? halfToFloat32(t.data as Uint16Array) : Float32Array.from(t.data as Float32Array);
}

async function timed<T>(what: string, run: () => Promise<T>): Promise<T> {
  const [t0, m0] = [performance.now(), rss()];
  const result = await run();
  report.push(`${what}: ${((performance.now() - t0) / 1000).toFixed(1)} s, RSS ${gib(m0)} → ${gib(rss())}`);
  return result;
}

/** fp32 layouts must match PyTorch closely; fp16 ones within fp16's precision */
const BOUND: Record<string, number> = { fp32: 1e-4, legacy: 1e-4, fp16: 2e-2 };

describe.skipIf(!ready)('SD1.5 dimensions, native onnxruntime (CLI path)', { timeout: 1_800_000 }, () => {
  let runtime: Runtime;
  afterAll(() => console.log(`\n${report.join('\n')}`));

  for (const layout of ['fp32', 'fp16', 'legacy']) {
    it(`${layout}: each network equals PyTorch on the same inputs, the hypernetwork too`, async () => {
      if (!existsSync(join(ROOT, layout))) return void report.push(`${layout}: not built`);
      runtime ??= await nativeRuntime();
      const { ort } = runtime;
      const source = fsModelSource(join(ROOT, layout));
      const text = await openNetwork(source, 'text_encoder', 'the text encoder');
      const hidden = tensor('text_hidden');
      const te = await timed(`${layout} text encoder session`, () => runtime.createSession(packageOf(text), { backend: 'cpu' }));
      const teErr = relErr(await output(ort, te, { input_ids: { data: ids(), dims: [1, 77] } }), hidden);
      await te.release();
      // clip skip 2 (A1111: final LayerNorm of the penultimate layer's output) through the clip_skip input
      const skipping = decodeModel(text.skeleton);
      expect(exposeClipSkip(skipping)).toBe(12);
      const te2 = await runtime.createSession(packageOf(text, encodeModel(skipping)), { backend: 'cpu' });
      const skipFeeds = feeds(ort, te2, { input_ids: { data: ids(), dims: [1, 77] } });
      skipFeeds[CLIP_SKIP_INPUT] = new ort.Tensor('int64', BigInt64Array.of(2n), []);
      const skipOut = (await te2.run(skipFeeds)).last_hidden_state!;
      const skipErr = relErr(skipOut.type === 'float16' ? halfToFloat32(skipOut.data as Uint16Array) : (skipOut.data as Float32Array), tensor('text_hidden_skip2'));
      await te2.release();

      const unet = await openNetwork(source, 'unet', 'the U-Net');
      const inputs = { sample: { data: tensor('unet_sample'), dims: [1, 4, 8, 8] }, timestep: { data: Float32Array.of(ref.timestep), dims: [] }, encoder_hidden_states: { data: hidden, dims: [1, 77, 768] } };
      const base = await timed(`${layout} U-Net session`, () => runtime.createSession(packageOf(unet), { backend: 'cpu' }));
      const unetErr = relErr(await output(ort, base, inputs), tensor('unet_out'));
      await base.release();

      // the hypernetwork in the graph (every chain inside), strength as an input, vs A1111's hook in PyTorch
      const model = decodeModel(unet.skeleton);
      const hn = readHypernetwork(new Uint8Array(readFileSync(HYPERNETWORK)), 'sd1-full.pt');
      patchModel(model, [{ hypernetwork: hn }], { crossAttention: 'in-graph' });
      const patched = await timed(`${layout} U-Net + hypernetwork session`, () => runtime.createSession(packageOf(unet, encodeModel(model)), { backend: 'cpu' }));
      const withHn = await output(ort, patched, { ...inputs, hypernetwork_strength_0: { data: Float32Array.of(ref.hypernetwork_strength), dims: [1] } });
      const hnErr = relErr(withHn, tensor('unet_out_hn'));
      await patched.release();

      const vae = await openNetwork(source, 'vae_decoder', 'the VAE decoder');
      const dec = await timed(`${layout} VAE decoder session`, () => runtime.createSession(packageOf(vae), { backend: 'cpu' }));
      const vaeErr = relErr(await output(ort, dec, { latent_sample: { data: tensor('vae_latent'), dims: [1, 4, 8, 8] } }), tensor('vae_out'));
      await dec.release();

      report.push(`${layout} vs PyTorch (max error / max value): text encoder ${teErr.toExponential(2)}, clip skip 2 ${skipErr.toExponential(2)}, U-Net ${unetErr.toExponential(2)}, U-Net + hypernetwork ${hnErr.toExponential(2)}, VAE ${vaeErr.toExponential(2)}`);
      for (const e of [teErr, skipErr, unetErr, hnErr, vaeErr]) expect(e).toBeLessThan(BOUND[layout]!);
      // the hypernetwork changes the output far more than the error
      expect(relErr(withHn, tensor('unet_out'))).toBeGreaterThan(20 * hnErr);
    });
  }

  it('fp32 → fp16 conversion: the U-Net drift against fp32 on the same inputs', async () => {
    runtime ??= await nativeRuntime();
    const unet: NetworkGraph = await openNetwork(fsModelSource(join(ROOT, 'fp32')), 'unet', 'the U-Net');
    const half = withPrecision(unet, 'halve').net;
    expect(half.stats.totalBytes).toBeLessThan(0.51 * unet.stats.totalBytes);
    const session = await timed('fp16-converted U-Net session (weights converted as read)', () => runtime.createSession(packageOf(half), { backend: 'cpu' }));
    const inputs = { sample: { data: tensor('unet_sample'), dims: [1, 4, 8, 8] }, timestep: { data: Float32Array.of(ref.timestep), dims: [] }, encoder_hidden_states: { data: tensor('text_hidden'), dims: [1, 77, 768] } };
    const drift = relErr(await output(runtime.ort, session, inputs), tensor('unet_out'));
    await session.release();
    report.push(`fp32 → fp16 (converted here) U-Net drift vs fp32: ${drift.toExponential(2)} (CPU kernels compute fp16 in fp32 between casts: weight and I/O rounding only)`);
    expect(drift).toBeLessThan(2e-2);
    // upcast attention (SD 2.x 768-v's fix) on the same fp16 U-Net: every attention's scores in fp32
    const upcast = withUpcastAttention(half)!;
    expect(upcast.report.detail).toBe('32 attention softmaxes with their Q·Kᵀ');
    const upSession = await timed('fp16 U-Net with attention upcast session', () => runtime.createSession(packageOf(upcast.net), { backend: 'cpu' }));
    const upDrift = relErr(await output(runtime.ort, upSession, inputs), tensor('unet_out'));
    await upSession.release();
    report.push(`fp16 U-Net with upcast attention (${upcast.report.detail}) drift vs fp32: ${upDrift.toExponential(2)}`);
    expect(upDrift).toBeLessThan(2e-2);
  });

  it('the engine generates 2 steps at 64×64 with and without the hypernetwork; WASM is refused up front', async () => {
    const engine = new Engine({ loadRuntime: () => nativeRuntime() });
    await timed('engine load (fp32, native CPU, warm-up at 64×64)', () => engine.loadFrom(fsModelSource(join(ROOT, 'fp32')), 'cpu', undefined, { width: 64, height: 64 }));
    const request = { prompt: 'a photo of a cat', negativePrompt: '', sampler: 'Euler a', steps: 2, cfgScale: 7, seed: 1, width: 64, height: 64, batchCount: 1 };
    const plain = await timed('generate 2 steps', () => engine.generate(request));
    const bytes = readFileSync(HYPERNETWORK);
    await engine.inspectHypernetwork({ name: 'sd1-full.pt', bytes: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) }, 'hn');
    const info = await timed('apply the hypernetwork (surgery + new U-Net session)', () => engine.setHypernetworks([{ id: 'hn', strength: 1 }]));
    expect(info.widths.filter((w) => w.hypernetworks.length).map((w) => w.width).sort((a, b) => a - b)).toEqual([320, 640, 768, 1280]);
    const styled = await timed('generate 2 steps with the hypernetwork', () => engine.generate(request));
    const a = new Uint8Array(plain.images[0]!.rgba);
    const b = new Uint8Array(styled.images[0]!.rgba);
    expect(a.some((v, i) => v !== b[i])).toBe(true);
    expect(styled.images[0]!.infotext).toContain('<hypernet:sd1-full:1>');
    await engine.unloadModel();

    const wasm = new Engine({ loadOrt: () => import('onnxruntime-web') as never });
    const t0 = performance.now();
    const error = await wasm.loadFrom(fsModelSource(join(ROOT, 'fp32')), 'wasm').catch((e: unknown) => e);
    expect(isStudioError(error) && error.code).toBe('model-too-large');
    report.push(`WASM refused in ${((performance.now() - t0) / 1000).toFixed(1)} s: ${(error as Error).message}`);
  });

  it('reads the graphs without their weights (the JS side never holds a weight file)', async () => {
    const file = diskFile(join(ROOT, 'fp16/unet/model.onnx'));
    const before = rss();
    const net = await openNetwork(fsModelSource(join(ROOT, 'fp16')), 'unet', 'the U-Net');
    report.push(`fp16 single-file U-Net (${gib(file.size)}): skeleton ${(net.skeleton.length / 2 ** 20).toFixed(2)} MiB, RSS +${gib(rss() - before)} to open`);
    expect(net.skeleton.length).toBeLessThan(4 * 2 ** 20);
  });
});
