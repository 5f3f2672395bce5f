/**
 * An A1111 `.safetensors` at SD1.5 dimensions (`npm run test:large`): make_sd15.py's random weights saved with
 * LDM keys by tools/large-model/make_sd15_a1111.py (4.3 GB fp32), converted by the core's `convertCheckpoint`
 * into a store on disk (the CLI's NodeStorageFs), each converted network compared with make_sd15.py's PyTorch
 * references on native onnxruntime. Prints the conversion's time, peak RSS and the errors.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { convertCheckpoint } from '../../src/core/checkpoint/convert.ts';
import { openNetwork, packageOf } from '../../src/core/diffusion/pipeline/network-graph.ts';
import { diskFile, fsModelSource } from '../../src/cli/fs-model-source.ts';
import { NodeStorageFs } from '../../src/cli/node-storage-fs.ts';
import { nativeRuntime } from '../../src/engine/runtime-node.ts';
import { tokenizer } from '../support/checkpoints.ts';
import { relErr } from '../support/compare.ts';

const ROOT = join(import.meta.dirname, '../../.cache/sd15');
const FILE = join(ROOT, 'a1111/sd15.safetensors');
const ready = existsSync(join(ROOT, 'a1111/stamp.json')) && existsSync(join(ROOT, 'reference/reference.json'));
const ref = ready ? JSON.parse(readFileSync(join(ROOT, 'reference/reference.json'), 'utf8')) : null;
const tensor = (name: string): Float32Array => {
  const b = readFileSync(join(ROOT, 'reference', ref.tensors[name].file));
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
};
const gib = (n: number) => `${(n / 2 ** 30).toFixed(2)} GiB`;
const report: string[] = [];

describe.skipIf(!ready)('A1111 checkpoint at SD1.5 dimensions', { timeout: 3_600_000 }, () => {
  const dir = ready ? mkdtempSync(join(tmpdir(), 'hn-ckpt-')) : '';
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
    console.log(`\n${report.join('\n')}`);
  });

  it('converts with bounded memory and each network equals PyTorch', async () => {
    const fs = new NodeStorageFs(dir);
    let peak = process.memoryUsage().rss;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 100);
    const rss0 = process.memoryUsage().rss;
    const t0 = performance.now();
    const phases: Record<string, number> = {};
    const result = await convertCheckpoint({ name: 'sd15.safetensors', file: diskFile(FILE) }, { id: 'sd15', tokenizer }, fs, (p) => {
      phases[p.phase] ??= performance.now();
    }).finally(() => clearInterval(sampler));
    const seconds = (performance.now() - t0) / 1000;
    const size = statSync(FILE).size;
    report.push(
      `converted ${gib(size)} in ${seconds.toFixed(1)} s (${((size / 2 ** 20) / seconds).toFixed(0)} MiB/s incl. SHA-256; hashing began at ${((phases.hash! - t0) / 1000).toFixed(1)} s); RSS ${gib(rss0)} before, peak ${gib(peak)}; ${result.manifest.files.length} files, ${gib(result.manifest.totalBytes)}; unused tensors: ${result.unusedTensors.length}`,
    );
    expect(result.architecture).toMatchObject({ family: 'sd1', unet: { modelChannels: 320, channelMult: [1, 2, 4, 4], contextDim: 768 } });
    expect(result.unusedTensors).toEqual([]);
    expect(peak - rss0).toBeLessThan(2 * 2 ** 30);

    // the stored folder as the CLI opens a folder: onnxruntime reads the shards itself
    const source = fsModelSource(join(dir, 'models', 'sd15'));
    expect(source).toMatchObject({ name: 'sd15', modelHash: result.manifest.modelHash });
    const runtime = await nativeRuntime();
    const { ort } = runtime;
    const run = async (dirName: string, feeds: Record<string, InstanceType<typeof ort.Tensor>>) => {
      const net = await openNetwork(source, dirName, dirName);
      const session = await runtime.createSession(packageOf(net), { backend: 'cpu' });
      const out = (await session.run(feeds))[session.outputNames[0]!]!;
      const data = Float32Array.from(out.data as Float32Array);
      await session.release();
      return data;
    };
    const ids = readFileSync(join(ROOT, 'reference/input_ids.bin'));
    const text = await run('text_encoder', { input_ids: new ort.Tensor('int32', new Int32Array(ids.buffer.slice(ids.byteOffset, ids.byteOffset + ids.byteLength)), [1, 77]) });
    const unet = await run('unet', {
      sample: new ort.Tensor('float32', tensor('unet_sample'), [1, 4, 8, 8]),
      timestep: new ort.Tensor('float32', Float32Array.of(ref.timestep), []),
      encoder_hidden_states: new ort.Tensor('float32', tensor('text_hidden'), [1, 77, 768]),
    });
    const vae = await run('vae_decoder', { latent_sample: new ort.Tensor('float32', tensor('vae_latent'), [1, 4, 8, 8]) });
    const errors = { text: relErr(text, tensor('text_hidden')), unet: relErr(unet, tensor('unet_out')), vae: relErr(vae, tensor('vae_out')) };
    report.push(`converted SD1.5 vs PyTorch (max error / max value): ${Object.entries(errors).map(([k, v]) => `${k} ${v.toExponential(2)}`).join(', ')}`);
    for (const e of Object.values(errors)) expect(e).toBeLessThan(1e-4);
  });
});
