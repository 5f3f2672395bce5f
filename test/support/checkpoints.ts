/** The tiny A1111 checkpoints of tools/checkpoint/make_checkpoints.py, their PyTorch references, and helpers to convert and run them. */
import { existsSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'fflate';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-web';
import { convertCheckpoint, type ConvertOptions, type ConvertResult } from '../../src/core/checkpoint/convert.ts';
import type { NamedFile } from '../../src/core/checkpoint/types.ts';
import type { ModelSource } from '../../src/core/diffusion/pipeline/model-source.ts';
import { openNetwork, packageOf, type NetworkGraph } from '../../src/core/diffusion/pipeline/network-graph.ts';
import { float32ToHalf, halfToFloat32 } from '../../src/core/onnx/float16.ts';
import { memoryWeightFile } from '../../src/core/onnx/weights.ts';
import { openInstalledModel } from '../../src/core/storage/integrity.ts';
import { MemoryFs } from '../../src/core/storage/memory-fs.ts';
import { webRuntime } from '../../src/engine/runtime.ts';

const FIXTURES = fileURLToPath(new URL('../fixtures/checkpoint/', import.meta.url));
const REFERENCE = fileURLToPath(new URL('../reference/checkpoint/', import.meta.url));
const TOKENIZER = fileURLToPath(new URL('../../public/models/sd-shapes-demo/tokenizer/', import.meta.url));

export const runtime = webRuntime(ort, { threads: 1 });
export const tokenizer = { vocab: readFileSync(`${TOKENIZER}vocab.json`), merges: readFileSync(`${TOKENIZER}merges.txt`) };

/** A fixture's bytes; the checkpoints are committed gzipped (`NAME.gz`: their token embeddings are mostly zeros). */
export function fixtureBytes(name: string): Uint8Array {
  const gz = `${FIXTURES}${name}.gz`;
  return existsSync(gz) ? gunzipSync(new Uint8Array(readFileSync(gz))) : new Uint8Array(readFileSync(`${FIXTURES}${name}`));
}

export function fixture(name: string, bytes = fixtureBytes(name)): NamedFile {
  return { name, file: memoryWeightFile(bytes) };
}

export function yamlOf(family: string): { name: string; text: string } {
  return { name: `${family}-tiny.yaml`, text: readFileSync(`${FIXTURES}${family}-tiny.yaml`, 'utf8') };
}

export interface Reference {
  timestep: number;
  probe_value: number;
  probe_says_v: boolean;
  scale_factor: number;
  run: { prompt: string; negative_prompt: string; seed: number; sampler: string; steps: number; cfg_scale: number; width: number; height: number } | null;
  tensors: Record<string, { file: string; shape: number[] }>;
}

export function reference(family: string): { meta: Reference; tensor(name: string): Float32Array; ids(): Int32Array } {
  const meta = JSON.parse(readFileSync(`${REFERENCE}${family}/reference.json`, 'utf8')) as Reference;
  const bytes = (name: string) => {
    const b = readFileSync(`${REFERENCE}${family}/${meta.tensors[name]!.file}`);
    return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
  };
  return { meta, tensor: (name) => new Float32Array(bytes(name)), ids: () => new Int32Array(bytes('input_ids')) };
}

/** Converts into a fresh MemoryFs; returns the store, the result and the installed model as the engine opens it. */
export async function convertInto(file: NamedFile, options: Partial<ConvertOptions> = {}, fs = new MemoryFs()): Promise<{ fs: MemoryFs; result: ConvertResult; source: ModelSource }> {
  const result = await convertCheckpoint(file, { id: 'converted', tokenizer, ...options }, fs);
  return { fs, result, source: await openInstalledModel(fs, result.manifest) };
}

export type Feeds = Record<string, { data: Float32Array | Int32Array; dims: number[] }>;

/** Runs network `dir` of an installed model once (WASM, one thread); returns its first output as float32. */
export async function runNetwork(source: ModelSource, dir: string, feeds: Feeds, net?: NetworkGraph): Promise<Float32Array> {
  const graph = net ?? (await openNetwork(source, dir, dir));
  const session = await runtime.createSession(packageOf(graph), { backend: 'wasm' });
  try {
    const inputs: Record<string, ort.Tensor> = {};
    for (const meta of session.inputMetadata) {
      if (!meta.isTensor) continue;
      const { data, dims } = feeds[meta.name]!;
      if (data instanceof Int32Array) inputs[meta.name] = new ort.Tensor('int32', data, dims);
      else if (meta.type === 'float16') inputs[meta.name] = new ort.Tensor('float16', float32ToHalf(data), dims);
      else inputs[meta.name] = new ort.Tensor('float32', data, dims);
    }
    const out = (await session.run(inputs))[session.outputNames[0]!]!;
    const data = await out.getData();
    return data instanceof Uint16Array ? halfToFloat32(data) : Float32Array.from(data as Float32Array);
  } finally {
    await session.release();
  }
}
