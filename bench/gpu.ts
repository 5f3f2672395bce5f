/**
 * `npm run bench:gpu`: the engine's networks on a real GPU through native onnxruntime's WebGPU provider (Dawn:
 * the same C++ WebGPU kernels onnxruntime-web runs in the browser), at SD1.5 dimensions, against PyTorch fp16 on
 * the same GPU as the native anchor. For a Linux machine with an NVIDIA GPU and no browser; see bench/README.md.
 *
 *   node --import tsx bench/gpu.ts --model DIR [--anchor anchor.json] [--size 512] [--runs 10] [--backend webgpu]
 *
 * Medians of `runs` (after one warm-up run each): the U-Net step (batch 2 = CFG) without and with a hypernetwork of
 * all four SD1 widths (the engine's surgery: attn1 chains in the graph, attn2 contexts from the context model,
 * once per prompt), the text encoder (one 77-token chunk) and the VAE decoder (one image). With --anchor (written
 * by bench/gpu/torch_anchor.py on the same machine) each line gets its ratio to PyTorch.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fsModelSource } from '../src/cli/fs-model-source.ts';
import { openNetwork, packageOf } from '../src/core/diffusion/pipeline/network-graph.ts';
import { readHypernetwork } from '../src/core/hypernetwork/index.ts';
import { float32ToHalf } from '../src/core/onnx/float16.ts';
import type { Backend, Ort, OrtSession } from '../src/core/onnx/ort.ts';
import { prepareUnet } from '../src/core/onnx/prepare.ts';
import { nativeRuntime } from '../src/engine/runtime-node.ts';
import { saveHypernetwork, sd1Hypernetwork } from './torch-save.ts';

const { values } = parseArgs({
  options: {
    model: { type: 'string' },
    anchor: { type: 'string' },
    size: { type: 'string', default: '512' },
    runs: { type: 'string', default: '10' },
    backend: { type: 'string', default: 'webgpu' },
  },
});
if (!values.model || !existsSync(join(values.model, 'unet/model.onnx'))) {
  console.error('usage: bench/gpu.ts --model DIR (an SD1.5-dimension ONNX folder: bench/gpu/torch_anchor.py --export DIR writes one)');
  process.exit(1);
}
const size = Number(values.size);
const runs = Number(values.runs);
const backend = values.backend as Backend;
const latent = size / 8;
const anchor: Record<string, number> = values.anchor ? JSON.parse(readFileSync(values.anchor, 'utf8')) : {};

const runtime = await nativeRuntime();
const ort: Ort = runtime.ort;
const source = fsModelSource(values.model);

function tensor(meta: OrtSession['inputMetadata'][number], data: Float32Array, dims: number[]) {
  if (!meta.isTensor) throw new Error('not a tensor input');
  return meta.type === 'float16' ? new ort.Tensor('float16', float32ToHalf(data), dims) : new ort.Tensor('float32', data, dims);
}

function rand(n: number, seed: number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => Math.sin(i * 12.9898 + seed) * 0.8);
}

/** median ms of `runs` calls after one warm-up */
async function median(run: () => Promise<unknown>): Promise<number> {
  await run();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await run();
    times.push(performance.now() - t);
  }
  return times.sort((a, b) => a - b)[times.length >> 1]!;
}

const results: [string, number][] = [];
const line = (name: string, ms: number) => {
  results.push([name, ms]);
  const ref = anchor[name];
  console.log(`${name.padEnd(34)} ${ms.toFixed(1).padStart(9)} ms${ref ? `   PyTorch ${ref.toFixed(1).padStart(8)} ms   ${(ms / ref).toFixed(2)}×` : ''}`);
};

console.log(`SD1.5 dimensions, ${size}², batch 2 (CFG), ${values.model}, native onnxruntime ${backend}`);

// text encoder: one chunk of 77 ids
{
  const net = await openNetwork(source, 'text_encoder', 'the text encoder');
  const s = await runtime.createSession(packageOf(net), { backend });
  const meta = s.inputMetadata[0]!;
  const ids = Int32Array.from({ length: 77 }, (_, i) => (i === 0 ? 49406 : i < 8 ? 320 + i : 49407));
  const input = meta.isTensor && meta.type === 'int64' ? new ort.Tensor('int64', BigInt64Array.from(ids, BigInt), [1, 77]) : new ort.Tensor('int32', ids, [1, 77]);
  line('text encoder', await median(() => s.run({ [s.inputNames[0]!]: input })));
  await s.release();
}

// U-Net, plain and with a four-width hypernetwork
{
  const net = await openNetwork(source, 'unet', 'the U-Net');
  const base = await runtime.createSession(packageOf(net), { backend });
  const [sample, timestep, context] = base.inputMetadata;
  const feeds = {
    [sample!.name]: tensor(sample!, rand(2 * 4 * latent * latent, 1), [2, 4, latent, latent]),
    [timestep!.name]: timestep!.isTensor && timestep!.type === 'int64' ? new ort.Tensor('int64', BigInt64Array.of(500n), []) : tensor(timestep!, Float32Array.of(500), []),
    [context!.name]: tensor(context!, rand(2 * 77 * 768, 2), [2, 77, 768]),
  };
  line('U-Net step', await median(() => base.run(feeds)));
  await base.release();

  const hn = readHypernetwork(saveHypernetwork(sd1Hypernetwork(1)), 'bench-sd1.pt');
  const prepared = prepareUnet(net.skeleton, [{ hypernetwork: hn }], { strengthShape: 'batch' });
  const patched = await runtime.createSession(packageOf(net, prepared.model), { backend });
  const ctx = await runtime.createSession({ what: 'context model', graph: prepared.context!, files: new Map() }, { backend });
  const strength = new ort.Tensor('float32', Float32Array.of(0.8, 0.8), [2]);
  const text = feeds[context!.name]!;
  const textMeta = ctx.inputMetadata.find((m) => !m.name.startsWith('hypernetwork_strength'))!;
  const contextRun = () => ctx.run({ [textMeta.name]: tensor(textMeta, rand(2 * 77 * 768, 2), [2, 77, 768]), hypernetwork_strength_0: strength });
  line('context model (once per prompt)', await median(contextRun));
  const contexts = await contextRun();
  const hnFeeds: Record<string, unknown> = { ...feeds, [context!.name]: text, hypernetwork_strength_0: strength };
  // the context model's outputs have the U-Net's precision and are its inputs of the same names
  for (const name of ctx.outputNames) hnFeeds[name] = contexts[name]!;
  const step = await median(() => patched.run(hnFeeds as never));
  line('U-Net step, SD1 hypernetwork', step);
  const plain = results.find(([n]) => n === 'U-Net step')![1];
  console.log(`${'  hypernetwork / base step'.padEnd(34)} ${(step / plain).toFixed(3)}×`);
  await Promise.all([patched.release(), ctx.release()]);
}

// VAE decoder: one image
{
  const net = await openNetwork(source, 'vae_decoder', 'the VAE decoder');
  const s = await runtime.createSession(packageOf(net), { backend });
  const meta = s.inputMetadata[0]!;
  const input = tensor(meta, rand(4 * latent * latent, 3), [1, 4, latent, latent]);
  line('VAE decoder', await median(() => s.run({ [meta.name]: input })));
  await s.release();
}
