import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { DEFAULT_SAMPLER, findSampler, samplerLabels } from '../core/diffusion/schedulers/index.ts';
import { encodePng } from '../core/formats/png.ts';
import type { ProgressEvent } from '../core/progress.ts';
import type { BackendChoice, ModelInfo } from '../engine/api.ts';
import { Engine } from '../engine/engine.ts';
import { parse } from './args.ts';
import { extraRequestFields, GENERATE_EXTRA_OPTIONS, wholeArg } from './generate-options.ts';
import { UsageError } from './errors.ts';
import { fsModelSource } from './fs-model-source.ts';
import { describePatch, parseHypernetworkArg } from './patch.ts';
import { writeFileAtomic } from './write-file.ts';

function int(value: string | undefined, name: string, fallback: number): number {
  return wholeArg(value, name) ?? fallback;
}

function progressPrinter(): (e: ProgressEvent) => void {
  let last = '';
  return (e) => {
    const line = e.phase === 'denoise' ? `image ${e.image + 1}/${e.images}${e.pass ? ` pass ${e.pass.index}/${e.pass.count}` : ''} step ${e.step}/${e.steps}` : e.phase === 'compile' ? `compiling ${e.model}` : e.phase;
    if (line !== last && process.stderr.isTTY) process.stderr.write(`\r\x1b[K${line}`);
    last = line;
  };
}

/** The engine on the runtime `--backend` names: native onnxruntime (cpu, webgpu) or onnxruntime-web (wasm). */
function engineFor(backend: string, threads: number | undefined): Engine {
  if (backend === 'wasm') return new Engine({ loadOrt: () => import('onnxruntime-web'), threads: threads ?? 1 });
  return new Engine({ loadRuntime: async () => (await import('../engine/runtime-node.ts')).nativeRuntime({ threads }) });
}

const MIB = 2 ** 20;
const mib = (n: number | null): string => (n === null ? '–' : `${(n / MIB).toFixed(0)} MiB`);

/** The load report, one line per phase (`--verbose`). */
export function describeLoad(info: ModelInfo): string {
  const { plan, memory, conversions, weights } = info.load;
  return [
    `backend ${info.backend}${info.adapter ? ` (${info.adapter})` : ''}, U-Net ${info.precision}; weights: text encoder ${mib(weights.textEncoder)}, U-Net ${mib(weights.unet)}, VAE ${mib(weights.vae)}`,
    `plan: ${plan.fits ? 'fits' : 'does not fit'}${plan.limitBytes ? `, ≈${mib(plan.totalBytes)} of ${mib(plan.limitBytes)}` : ''}; largest activation ${mib(plan.largestBufferBytes)}${plan.upcast ? '; fp16 weights converted to fp32 at load' : ''}`,
    ...conversions.map((c) => `converted ${c.network} (${c.change}): ${c.detail ?? `${mib(c.fromBytes)} → ${mib(c.toBytes)}`}`),
    ...memory.map((m) => `  ${m.phase.padEnd(22)} ${(m.ms / 1000).toFixed(1).padStart(6)} s   JS/RSS ${mib(m.jsBytes).padStart(9)}   wasm heap ${mib(m.wasmHeapBytes).padStart(9)}   GPU (est.) ${mib(m.gpuBytesEstimate).padStart(9)}`),
  ].join('\n');
}

/**
 * `hnstudio generate --model DIR --prompt TEXT [--negative TEXT] [--sampler NAME] [--steps 20] [--cfg 7]
 *  [--seed N] [--width W] [--height H] [--batch-count N] [--hypernetwork FILE.pt[:STRENGTH]]… [img2img, hires
 *  fix and A1111's other generation flags: generate-options.ts]
 *  [--backend cpu|wasm|webgpu] [--threads N] [--verbose] --out FILE.png` — the app's engine in Node: native
 *  onnxruntime on the CPU by default (no 4 GiB heap: full-size models run), onnxruntime-web's WASM on request.
 */
export async function generateCommand(args: string[]): Promise<void> {
  const { values } = parse(
    args,
    {
      model: { type: 'string' },
      prompt: { type: 'string' },
      negative: { type: 'string' },
      sampler: { type: 'string' },
      steps: { type: 'string' },
      cfg: { type: 'string' },
      seed: { type: 'string' },
      width: { type: 'string' },
      height: { type: 'string' },
      'batch-count': { type: 'string' },
      threads: { type: 'string' },
      backend: { type: 'string' },
      verbose: { type: 'boolean' },
      hypernetwork: { type: 'string', multiple: true },
      out: { type: 'string' },
      ...GENERATE_EXTRA_OPTIONS,
    },
    [],
  );
  const backend = values.backend ?? 'cpu';
  if (!['cpu', 'wasm', 'webgpu'].includes(backend)) throw new UsageError(`--backend must be cpu, wasm or webgpu (got "${backend}")`);
  if (!values.model) throw new UsageError('--model DIR is required');
  if (values.prompt === undefined) throw new UsageError('--prompt TEXT is required');
  if (!values.out) throw new UsageError('--out FILE.png is required');
  const sampler = values.sampler ?? DEFAULT_SAMPLER;
  if (!findSampler(sampler)) throw new UsageError(`unknown sampler "${sampler}"; known: ${samplerLabels().join(', ')}`);
  const cfg = Number(values.cfg ?? 7);
  if (!Number.isFinite(cfg)) throw new UsageError('--cfg must be a number');
  const seedArg = int(values.seed, 'seed', -1);
  // A1111: -1 means a random seed; the one used is printed and written into the PNG
  const seed = seedArg < 0 ? Math.floor(Math.random() * 0xffffffff) : seedArg;

  // flags and the init image are checked before the model loads
  const extra = await extraRequestFields(values);
  const threads = values.threads === undefined ? undefined : int(values.threads, 'threads', 1);
  const engine = engineFor(backend, threads);
  const onProgress = progressPrinter();
  const width = values.width === undefined ? undefined : int(values.width, 'width', 0);
  const height = values.height === undefined ? undefined : int(values.height, 'height', 0);
  const info = await engine.loadFrom(fsModelSource(values.model), backend as BackendChoice, onProgress, { width, height });
  if (values.verbose) {
    if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
    console.log(describeLoad(info));
  }
  const stack = [];
  for (const [i, arg] of (values.hypernetwork ?? []).entries()) {
    const { path, strength } = parseHypernetworkArg(arg);
    const bytes = await readFile(path);
    await engine.inspectHypernetwork({ name: basename(path), bytes: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) }, `cli-${i}`);
    stack.push({ id: `cli-${i}`, strength: strength ?? 1 });
  }
  if (stack.length) {
    const applied = await engine.setHypernetworks(stack, onProgress);
    if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
    console.log(describePatch({ ...applied, strengthInputs: stack.map((_, i) => `hypernetwork_strength_${i}`) }, stack.length));
  }
  const size = info.defaultSize;
  const batchCount = int(values['batch-count'], 'batch-count', 1);
  const result = await engine.generate(
    {
      prompt: values.prompt,
      negativePrompt: values.negative ?? '',
      sampler: findSampler(sampler)!.meta.label,
      steps: int(values.steps, 'steps', 20),
      cfgScale: cfg,
      seed,
      width: width ?? size,
      height: height ?? size,
      batchCount,
      ...extra,
    },
    onProgress,
  );
  await engine.unloadModel();
  if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
  for (const [i, image] of result.images.entries()) {
    const path = result.images.length === 1 ? values.out : values.out.replace(/(\.png)?$/i, `-${i}$1`);
    const png = encodePng({ width: image.width, height: image.height, data: new Uint8ClampedArray(image.rgba) }, { parameters: image.infotext });
    await writeFileAtomic(path, png);
    console.log(`wrote ${path} (seed ${image.seed})`);
  }
  const { encodeMs, denoiseMs, decodeMs, unetCalls } = result.timings;
  console.log(`load ${info.loadMs.toFixed(0)} ms · encode ${encodeMs.toFixed(0)} ms · denoise ${denoiseMs.toFixed(0)} ms (${unetCalls} U-Net calls) · decode ${decodeMs.toFixed(0)} ms`);
}
