/**
 * Hypernetwork graph surgery (src/core/onnx): U-Net step time with and without hypernetworks (ratio, same run),
 * surgery time and session-creation time, onnxruntime-web wasm in Node, 1 thread, measured as CPU time. Models:
 *  - the demo U-Net (public/models/sd-shapes-demo, else the smoke export in /tmp/dm-smoke) with a [1,2,1]
 *    hypernetwork of its widths 64/96/128 (or the demo's own .pt files when present);
 *  - an SD1.5-width U-Net (320/640/1280, 768 context, random weights, 8×8 latent, batch 2) with a full SD1
 *    [1,2,1] hypernetwork (768/320/640/1280). Build it once (2.3 GB, ignored):
 *      OMP_NUM_THREADS=2 /usr/bin/python3 tools/onnx-fixtures/make_onnx_fixtures.py --sd1 bench/out/sd1-unet --layers 1
 * Each U-Net also runs with the attn2 chains moved out (`crossAttention: 'external'`): the context model runs
 * once per prompt and the U-Net takes its two outputs. Target: patched step ≤ 1.25× the base step.
 * Usage: npx tsx bench/surgery.ts [demo|sd1]…  (or `npm run bench surgery` once wired into bench/run.ts)
 */
import { existsSync, fstatSync, openSync, readdirSync, readSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-web';
import { readHypernetwork } from '../src/core/hypernetwork/index.ts';
import type { Hypernetwork } from '../src/core/hypernetwork/types.ts';
import { buildContextModel } from '../src/core/onnx/context-model.ts';
import { patchUnet, type PatchOptions } from '../src/core/onnx/patch.ts';
import { saveHypernetwork, type HypernetworkSpec, sd1Hypernetwork, type TensorSpec } from './torch-save.ts';

ort.env.wasm.numThreads = 1;
const ROOT = new URL('../', import.meta.url).pathname;

function readBig(path: string): Uint8Array {
  // readFileSync stops at 2 GiB; external weights files are larger
  const fd = openSync(path, 'r');
  const bytes = new Uint8Array(fstatSync(fd).size);
  for (let o = 0; o < bytes.length; ) o += readSync(fd, bytes, o, Math.min(2 ** 30, bytes.length - o), o);
  closeSync(fd);
  return bytes;
}

/** A [1,2,1] linear hypernetwork of the given widths (A1111 UI default structure), small random weights. */
function specOf(widths: number[], seed = 7): HypernetworkSpec {
  let s = seed >>> 0;
  const fill = (n: number): Float32Array => Float32Array.from({ length: n }, () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32 - 0.5) * 0.02);
  const mod = (d: number): TensorSpec[] => [
    { key: 'linear.0.weight', shape: [2 * d, d], data: fill(2 * d * d) },
    { key: 'linear.0.bias', shape: [2 * d], data: fill(2 * d) },
    { key: 'linear.1.weight', shape: [d, 2 * d], data: fill(2 * d * d) },
    { key: 'linear.1.bias', shape: [d], data: fill(d) },
  ];
  return { name: `bench-${widths.join('-')}`, layerStructure: [1, 2, 1], modules: new Map(widths.map((d) => [d, [mod(d), mod(d)]])) };
}

interface Subject {
  name: string;
  model: Uint8Array;
  external: { path: string; data: Uint8Array }[];
  hypernetworks: Hypernetwork[];
  feeds: Record<string, ort.Tensor>;
  steps: number;
  rounds: number;
}

const rand = (n: number, seed: number): Float32Array => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 12.9898 + seed) * 0.8);

function unetFeeds(latent: number, width: number, seq: number): Record<string, ort.Tensor> {
  return {
    sample: new ort.Tensor('float32', rand(2 * 4 * latent * latent, 1), [2, 4, latent, latent]),
    timestep: new ort.Tensor('float32', Float32Array.of(500), []),
    encoder_hidden_states: new ort.Tensor('float32', rand(2 * seq * width, 2), [2, seq, width]),
  };
}

function demo(): Subject | null {
  const dir = [join(ROOT, 'public/models/sd-shapes-demo/unet'), '/tmp/dm-smoke/out/public/models/sd-shapes-demo/unet'].find((d) => existsSync(join(d, 'model.onnx')));
  if (!dir) return null;
  const hnDir = join(ROOT, 'public/hypernetworks');
  const files = existsSync(hnDir) ? readdirSync(hnDir).filter((f) => f.endsWith('.pt')).sort() : [];
  const hypernetworks = files.length
    ? [readHypernetwork(readBig(join(hnDir, files[0]!)), files[0]!)]
    : [readHypernetwork(saveHypernetwork(specOf([128, 64, 96])), 'bench-demo.pt')];
  return { name: `demo U-Net (${dir.startsWith('/tmp') ? 'smoke export' : 'public'}), hypernetwork ${files[0] ?? '[1,2,1] 128/64/96 synthetic'}`, model: readBig(join(dir, 'model.onnx')), external: [], hypernetworks, feeds: unetFeeds(8, 128, 77), steps: 15, rounds: 3 };
}

function sd1(): Subject | null {
  const dir = process.env.HN_SD1_UNET ?? join(ROOT, 'bench/out/sd1-unet');
  if (!existsSync(join(dir, 'model.onnx'))) {
    console.log(`(SD1.5-width U-Net skipped: build it with tools/onnx-fixtures/make_onnx_fixtures.py --sd1 ${dir} --layers 1)`);
    return null;
  }
  const hn = readHypernetwork(saveHypernetwork(sd1Hypernetwork(1)), 'bench-sd1.pt');
  return { name: 'SD1.5-width U-Net (8×8 latent, batch 2), full SD1 [1,2,1] hypernetwork', model: readBig(join(dir, 'model.onnx')), external: [{ path: 'model.onnx_data', data: readBig(join(dir, 'model.onnx_data')) }], hypernetworks: [hn], feeds: unetFeeds(8, 768, 77), steps: 3, rounds: 2 };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const ms = (x: number): string => `${x.toFixed(x < 10 ? 2 : 0)} ms`;

/**
 * CPU time of this process (ms), not wall time: the wasm backend runs single-threaded on this thread, and the
 * bench machines are shared, so descheduled time would otherwise land in the figures as noise.
 */
async function timed<T>(f: () => Promise<T> | T): Promise<[T, number]> {
  const t = process.cpuUsage();
  const r = await f();
  const d = process.cpuUsage(t);
  return [r, (d.user + d.system) / 1000];
}

interface Variant {
  name: string;
  model: Uint8Array;
  external: { path: string; data: Uint8Array }[];
  feeds: Record<string, ort.Tensor>;
  surgery?: number;
  context?: number;
  create: number[];
  step: number[];
}

/**
 * Sessions are created one at a time and released (an fp32 SD1-width U-Net takes 2.3 of the wasm heap's
 * 4 GiB); the variants take turns for `rounds` rounds so that machine noise hits them alike.
 */
async function benchSubject(s: Subject): Promise<void> {
  console.log(`\n### ${s.name}`);
  const opts = { executionProviders: ['wasm'], graphOptimizationLevel: 'all' } as const;
  await (await ort.InferenceSession.create(s.model, { ...opts, externalData: s.external })).release(); // starts the wasm runtime
  const stack = s.hypernetworks.map((hypernetwork) => ({ hypernetwork }));
  patchUnet(s.model, stack); // JIT warm-up of the surgery
  const strength = Object.fromEntries(s.hypernetworks.map((_, i) => [`hypernetwork_strength_${i}`, new ort.Tensor('float32', Float32Array.of(0.8), [1])]));
  const reencoded = patchUnet(s.model, []);
  const variants: Variant[] = [
    { name: 'base', model: s.model, external: s.external, feeds: s.feeds, create: [], step: [] },
    { name: 'base re-encoded (no hypernetwork, weights referenced)', model: reencoded.model, external: [...s.external, ...reencoded.externalData], feeds: s.feeds, create: [], step: [] },
  ];
  const patched: [string, PatchOptions][] = [
    ['in-graph', {}],
    ['attn2 outside', { crossAttention: 'external' }],
    ['in-graph, literal Linear chain (cost of a non-linear net)', { collapseLinear: false }],
    ['attn2 outside, literal Linear chain', { crossAttention: 'external', collapseLinear: false }],
  ];
  for (const [name, o] of patched) {
    const [p, surgery] = await timed(() => patchUnet(s.model, stack, o));
    let feeds = { ...s.feeds, ...strength };
    let context: number | undefined;
    if (p.report.contextInputs) {
      const cm = await ort.InferenceSession.create(buildContextModel(s.hypernetworks, { width: p.report.contextInputs.width, collapseLinear: o.collapseLinear }), opts);
      const ctxFeeds = { encoder_hidden_states: s.feeds.encoder_hidden_states!, ...strength };
      await cm.run(ctxFeeds);
      const [r, t] = await timed(() => cm.run(ctxFeeds));
      await cm.release();
      context = t;
      feeds = { ...feeds, hypernetwork_context_k: r.hypernetwork_context_k!, hypernetwork_context_v: r.hypernetwork_context_v! };
    }
    if (name === 'in-graph') {
      const widths = p.report.widths.map((w) => `${w.width}: ${w.attn1} attn1 + ${w.attn2} attn2`).join(', ');
      console.log(`patched layers: ${widths}; unused widths: ${p.report.unused.map((u) => u.width).join(', ') || 'none'}; patched model ${(p.model.length / 2 ** 20).toFixed(1)} MiB`);
    }
    variants.push({ name, model: p.model, external: [...s.external, ...p.externalData], feeds, surgery, context, create: [], step: [] });
  }
  for (let round = 0; round < s.rounds; round++) {
    for (const v of variants) {
      const [session, create] = await timed(() => ort.InferenceSession.create(v.model, { ...opts, externalData: v.external }));
      v.create.push(create);
      await session.run(v.feeds); // first run: kernel set-up
      for (let i = 0; i < s.steps; i++) v.step.push((await timed(() => session.run(v.feeds)))[1]);
      await session.release();
    }
  }
  const [b, ...rest] = variants.map((v) => ({ ...v, stepMs: median(v.step), createMs: median(v.create) }));
  console.log(`base: step ${ms(b!.stepMs)} (median of ${b!.step.length}), session creation ${ms(b!.createMs)}`);
  for (const v of rest) {
    const ctx = v.context === undefined ? '' : `; context model ${ms(v.context)} once per prompt = ${(v.context / b!.stepMs).toFixed(3)}× a base step`;
    console.log(`${v.name}: step ${ms(v.stepMs)} = ${(v.stepMs / b!.stepMs).toFixed(3)}× base${v.surgery === undefined ? '' : `; surgery ${ms(v.surgery)}`}; session creation ${ms(v.createMs)} = ${(v.createMs / b!.createMs).toFixed(2)}× base${ctx}`);
  }
}

export async function benchSurgery(which: string[] = []): Promise<void> {
  const pick = which.length ? which : ['demo', 'sd1'];
  for (const name of pick) {
    const s = name === 'demo' ? demo() : name === 'sd1' ? sd1() : null;
    if (s) await benchSubject(s);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await benchSurgery(process.argv.slice(2));
