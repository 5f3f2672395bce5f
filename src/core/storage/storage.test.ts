import { describe, expect, it } from 'vitest';
import { isStudioError, type StudioError } from '../errors.ts';
import { formatBytes, transferStats } from './bytes.ts';
import { importModel, type ImportProgress } from './import-model.ts';
import { deleteInstalled, listInstalled, newModelId, readManifest, sweepIncomplete } from './installed.ts';
import { checkSizes, openInstalledModel, verifyModel } from './integrity.ts';
import { parseManifest, serializeManifest, buildManifest } from './manifest.ts';
import { MemoryFs, memorySourceFile } from './memory-fs.ts';
import { findFolderProblems, selectModelFiles, validateModelFolder } from './model-folder.ts';
import { sha256Hex } from './sha256.ts';
import type { SourceFile } from './storage-fs.ts';
import { externalRef } from '../onnx/external.ts';
import { decodeModel } from '../onnx/proto.ts';
import { tinyExternalNetwork, tinyNetwork, weightsOf } from '../../../test/support/onnx-models.ts';

const NOW = new Date('2025-01-02T03:04:05Z');

/** A complete Optimum folder as `webkitRelativePath`s report it (`my-model/…`), with tiny real networks. */
function folderFiles(overrides: Record<string, string | Uint8Array | null> = {}): SourceFile[] {
  const files: Record<string, string | Uint8Array | null> = {
    'model_index.json': '{"_class_name":"StableDiffusionPipeline"}',
    'text_encoder/model.onnx': tinyNetwork(300, 1),
    'text_encoder/config.json': '{}',
    'unet/model.onnx': tinyNetwork(1000, 2),
    'unet/config.json': '{"sample_size":8}',
    'vae_decoder/model.onnx': tinyNetwork(300, 3),
    'vae_encoder/model.onnx': tinyNetwork(260, 4),
    'safety_checker/model.onnx': 'NOT-COPIED',
    'tokenizer/vocab.json': '{"a</w>":0}',
    'tokenizer/merges.txt': '#version: 0.2\na b\n',
    'scheduler/scheduler_config.json': '{"num_train_timesteps":1000}',
    'README.md': 'not copied',
    ...overrides,
  };
  return Object.entries(files)
    .filter((e): e is [string, string | Uint8Array] => e[1] !== null)
    .map(([path, content]) => memorySourceFile(`my-model/${path}`, content));
}

async function caught(p: Promise<unknown>): Promise<StudioError> {
  try {
    await p;
  } catch (e) {
    if (isStudioError(e)) return e;
    throw e;
  }
  throw new Error('expected a StudioError');
}

describe('model folder selection and validation', () => {
  it('strips the picked folder name and keeps only the files the pipeline reads', () => {
    const folder = selectModelFiles(folderFiles());
    expect(folder.name).toBe('my-model');
    expect(folder.files.map((f) => f.path)).toEqual([
      'model_index.json',
      'scheduler/scheduler_config.json',
      'text_encoder/config.json',
      'text_encoder/model.onnx',
      'tokenizer/merges.txt',
      'tokenizer/vocab.json',
      'unet/config.json',
      'unet/model.onnx',
      'vae_decoder/model.onnx',
      'vae_encoder/model.onnx',
    ]);
    expect(folder.totalBytes).toBe(folder.files.reduce((n, f) => n + f.size, 0));
  });

  it('takes files listed relative to the folder itself (a drop of its contents) and ignores unsafe paths', () => {
    const files = [memorySourceFile('unet/model.onnx', 'x'), memorySourceFile('tokenizer/vocab.json', '{}'), memorySourceFile('unet/../../etc', 'x')];
    const folder = selectModelFiles(files, 'dropped');
    expect(folder.name).toBe('dropped');
    expect(folder.files.map((f) => f.path)).toEqual(['tokenizer/vocab.json', 'unet/model.onnx']);
  });

  it('names every missing or malformed file plainly', async () => {
    const folder = selectModelFiles(folderFiles({ 'unet/model.onnx': null, 'scheduler/scheduler_config.json': '{nope', 'tokenizer/merges.txt': '' }));
    expect(await findFolderProblems(folder)).toEqual([
      { path: 'unet/model.onnx', problem: 'is missing (the U-Net)' },
      { path: 'tokenizer/merges.txt', problem: 'is empty (the tokenizer merges)' },
      { path: 'scheduler/scheduler_config.json', problem: 'is not a valid JSON object' },
    ]);
    const error = await caught(validateModelFolder(folder));
    expect(error.code).toBe('missing-file');
    expect(error.message).toContain('unet/model.onnx is missing (the U-Net)');
    expect(error.message).toContain('scheduler/scheduler_config.json is not a valid JSON object');
  });

  it('reports a malformed but complete folder as bad-model-folder', async () => {
    const error = await caught(validateModelFolder(selectModelFiles(folderFiles({ 'tokenizer/vocab.json': '[1,2]' }))));
    expect(error.code).toBe('bad-model-folder');
    expect(error.details.path).toBe('tokenizer/vocab.json');
  });

  it('says when nothing in the folder looks like a model', async () => {
    const error = await caught(validateModelFolder(selectModelFiles([memorySourceFile('photos/a.jpg', 'x')])));
    expect(error.message).toContain('Nothing in it looks like a Stable Diffusion model');
  });
});

describe('import', () => {
  it('stores each network as a small graph plus weight shards, copies configs as they are, hashes all in a manifest written last', async () => {
    const fs = new MemoryFs();
    const progress: ImportProgress[] = [];
    const manifest = await importModel(selectModelFiles(folderFiles()), fs, { id: 'm1', now: () => NOW, onProgress: (p) => progress.push(p) });
    expect(manifest.name).toBe('my-model');
    expect(manifest.importedAt).toBe(NOW.toISOString());
    expect(manifest.files.map((f) => f.path)).toEqual([
      'model_index.json',
      'scheduler/scheduler_config.json',
      'text_encoder/config.json',
      'text_encoder/model.onnx',
      'text_encoder/weights-0.bin',
      'tokenizer/merges.txt',
      'tokenizer/vocab.json',
      'unet/config.json',
      'unet/model.onnx',
      'unet/weights-0.bin',
      'vae_decoder/model.onnx',
      'vae_decoder/weights-0.bin',
      'vae_encoder/model.onnx',
      'vae_encoder/weights-0.bin',
    ]);
    for (const f of manifest.files) expect(f).toEqual({ path: f.path, size: fs.files.get(`models/m1/${f.path}`)!.byteLength, sha256: sha256Hex(fs.files.get(`models/m1/${f.path}`)!) });
    // the U-Net's weights, byte for byte, in its shard; its graph references them there
    expect(fs.files.get('models/m1/unet/weights-0.bin')).toEqual(new Uint8Array(weightsOf(1000, 2).buffer));
    const graph = decodeModel(fs.files.get('models/m1/unet/model.onnx')!);
    expect(externalRef(graph.graph.initializer[0]!)).toEqual({ location: 'weights-0.bin', offset: 0, length: 4000 });
    expect(manifest.modelHash).toBe(sha256Hex(tinyNetwork(1000, 2)).slice(0, 10));
    expect(manifest.storage).toEqual({ shardBytes: 4000, precision: 'fp32', converted: false });
    expect(fs.files.has('models/m1/safety_checker/model.onnx')).toBe(false);
    expect(manifest.totalBytes).toBe(manifest.files.reduce((n, f) => n + f.size, 0));
    // progress is per chunk, monotonic, and ends at the total
    expect(progress.length).toBeGreaterThan(manifest.files.length);
    expect(progress.at(-1)?.bytesDone).toBe(manifest.totalBytes);
    expect(progress.every((p, i) => i === 0 || p.bytesDone >= progress[i - 1]!.bytesDone)).toBe(true);
    const listing = await listInstalled(fs);
    expect(listing).toEqual({ models: [manifest], incomplete: [] });
    expect(await readManifest(fs, 'm1')).toEqual(manifest);
  });

  it('re-shards external data of any name into bounded shards and converts to fp16 on request', async () => {
    const [graph, data] = tinyExternalNetwork(3000, 5, 'weights.pb', 128);
    const folder = selectModelFiles(folderFiles({ 'unet/model.onnx': graph, 'unet/weights.pb': data }));
    const fs = new MemoryFs();
    const manifest = await importModel(folder, fs, { id: 'm1', shardBytes: 16384 });
    expect(manifest.files.some((f) => f.path === 'unet/weights.pb')).toBe(false);
    expect(fs.files.get('models/m1/unet/weights-0.bin')).toEqual(new Uint8Array(weightsOf(3000, 5).buffer));
    const half = await importModel(folder, fs, { id: 'm2', precision: 'fp16' });
    expect(half.storage).toMatchObject({ precision: 'fp16', converted: true });
    const stored = decodeModel(fs.files.get('models/m2/unet/model.onnx')!);
    expect(stored.graph.initializer[0]!.data_type).toBe(10);
    expect(stored.graph.input[0]!.type?.tensor_type?.elem_type).toBe(10);
    expect(fs.files.get('models/m2/unet/weights-0.bin')!.byteLength).toBe(6000);
    // a tensor larger than a shard is refused, and nothing is left behind
    const big = await caught(importModel(folder, fs, { id: 'm3', shardBytes: 4096 }));
    expect(big.code).toBe('unsupported-model');
    expect([...fs.files.keys()].some((k) => k.startsWith('models/m3/'))).toBe(false);
  });

  it('refuses a graph whose external data leaves its folder, before writing anything', async () => {
    for (const location of ['../tokenizer/vocab.json', '/etc/passwd']) {
      const [graph] = tinyExternalNetwork(300, 6, location);
      const fs = new MemoryFs();
      const error = await caught(importModel(selectModelFiles(folderFiles({ 'unet/model.onnx': graph })), fs, { id: 'm1' }));
      expect(error.code).toBe('unsafe-path');
      expect(fs.files.size).toBe(0);
    }
    const [graph] = tinyExternalNetwork(300, 6, 'missing.bin');
    const missing = await caught(importModel(selectModelFiles(folderFiles({ 'unet/model.onnx': graph })), new MemoryFs(), { id: 'm1' }));
    expect(missing.code).toBe('missing-file');
    expect(missing.details.path).toBe('unet/missing.bin');
  });

  it('validates before copying anything', async () => {
    const fs = new MemoryFs();
    await caught(importModel(selectModelFiles(folderFiles({ 'text_encoder/model.onnx': null })), fs, { id: 'm1' }));
    expect(fs.files.size).toBe(0);
  });

  it('refuses up front when the quota is known to be too small, naming both sizes', async () => {
    const fs = new MemoryFs();
    const folder = selectModelFiles(folderFiles());
    const error = await caught(importModel(folder, fs, { id: 'm1', freeBytes: 500 }));
    expect(error.code).toBe('storage-full');
    expect(error.details.needed).toBeGreaterThan(folder.totalBytes - 1000);
    expect(error.message).toBe(`Storage full: the model needs ${formatBytes(error.details.needed as number)}, 500 B free. Delete installed models or free disk space, then import again.`);
    expect(fs.files.size).toBe(0);
  });

  it('removes the partial copy when the disk fills up mid-file (QuotaExceededError)', async () => {
    const fs = new MemoryFs(600); // the 4000-byte U-Net shard cannot fit
    const folder = selectModelFiles(folderFiles());
    const error = await caught(importModel(folder, fs, { id: 'm1', freeBytes: null }));
    expect(error.code).toBe('storage-full');
    expect(error.message).toMatch(/^Storage full: the model needs \d+\.\d\d kB, the browser gave no more room \(stopped after \d+ B; the partial copy was removed\)/);
    expect([...fs.files.keys()]).toEqual([]);
    expect(fs.usage).toBe(0);
    expect((await listInstalled(fs)).incomplete).toEqual([]);
  });

  it('removes the partial copy on cancel and on a read error', async () => {
    const fs = new MemoryFs();
    const abort = new AbortController();
    const cancelled = await caught(
      importModel(selectModelFiles(folderFiles()), fs, {
        id: 'm1',
        signal: abort.signal,
        onProgress: (p) => p.file.startsWith('unet/') && abort.abort(),
      }),
    );
    expect(cancelled.code).toBe('cancelled');
    expect(fs.files.size).toBe(0);

    const broken = folderFiles();
    const unet = broken.find((f) => f.path.endsWith('unet/model.onnx'))!;
    const read = unet.read;
    let reads = 0;
    // the graph is scanned first; a later read (its weights) fails
    unet.read = async (offset, length) => {
      if (++reads > 2) throw new Error('NotReadableError: the file was moved');
      return read(offset, length);
    };
    await expect(importModel(selectModelFiles(broken), fs, { id: 'm2' })).rejects.toThrow('the file was moved');
    expect(fs.files.size).toBe(0);
  });

  it('notices a file that changed size while it was copied', async () => {
    const files = folderFiles();
    const vocab = files.find((f) => f.path.endsWith('vocab.json'))!;
    vocab.chunks = async function* () {
      yield new TextEncoder().encode('{}');
    };
    const fs = new MemoryFs();
    const error = await caught(importModel(selectModelFiles(files), fs, { id: 'm1' }));
    expect(error.message).toContain('tokenizer/vocab.json changed while it was copied');
    expect(fs.files.size).toBe(0);
  });
});

describe('installed models', () => {
  it('treats a folder without a valid manifest as an unfinished import and sweeps it, sparing busy ones', async () => {
    const fs = new MemoryFs();
    await importModel(selectModelFiles(folderFiles()), fs, { id: 'ok', now: () => NOW });
    fs.files.set('models/cut-short/unet/model.onnx', new Uint8Array(3));
    fs.files.set('models/busy/unet/model.onnx', new Uint8Array(3));
    fs.files.set('models/garbled/manifest.json', new TextEncoder().encode('{"format":"other"}'));
    const listing = await listInstalled(fs);
    expect(listing.models.map((m) => m.id)).toEqual(['ok']);
    expect(listing.incomplete).toEqual(['busy', 'cut-short', 'garbled']);
    expect(await sweepIncomplete(fs, listing, new Set(['busy']))).toEqual(['cut-short', 'garbled']);
    expect((await listInstalled(fs)).incomplete).toEqual(['busy']);
    await deleteInstalled(fs, 'ok');
    expect((await listInstalled(fs)).models).toEqual([]);
  });

  it('makes folder-safe, unique ids', () => {
    expect(newModelId('My Model (fp16)!', NOW)).toBe(`my-model-fp16-${NOW.getTime().toString(36)}`);
    expect(newModelId('???', NOW)).toMatch(/^model-/);
  });

  it('rejects manifests that point outside their folder or are malformed', () => {
    const good = buildManifest('a', 'a', [{ path: 'unet/model.onnx', size: 1, sha256: 'f'.repeat(64) }], NOW);
    expect(parseManifest(serializeManifest(good))).toEqual(good);
    for (const path of ['../x', 'unet//x', '/abs', './x']) {
      expect(parseManifest(serializeManifest({ ...good, files: [{ ...good.files[0]!, path }] }))).toBeNull();
    }
    expect(parseManifest(serializeManifest({ ...good, files: [{ ...good.files[0]!, sha256: 'xyz' }] }))).toBeNull();
    expect(parseManifest(new TextEncoder().encode('not json'))).toBeNull();
  });
});

describe('integrity', () => {
  async function installed() {
    const fs = new MemoryFs();
    const manifest = await importModel(selectModelFiles(folderFiles()), fs, { id: 'm', now: () => NOW });
    return { fs, manifest };
  }

  it('loads an intact model, hiding files the manifest does not list', async () => {
    const { fs, manifest } = await installed();
    const source = await openInstalledModel(fs, manifest);
    expect(source.name).toBe('my-model');
    expect(source.modelHash).toBe(manifest.modelHash);
    const graph = (await source.open('unet/model.onnx'))!;
    expect(await graph.read(0, graph.size)).toEqual(fs.files.get('models/m/unet/model.onnx'));
    expect(await source.open('unet/model.onnx_data')).toBeNull();
    expect(await verifyModel(fs, manifest)).toEqual([]);
  });

  it('names a missing or truncated file before loading anything', async () => {
    const { fs, manifest } = await installed();
    fs.files.set('models/m/unet/model.onnx', new Uint8Array(10));
    fs.files.delete('models/m/tokenizer/merges.txt');
    expect(await checkSizes(fs, manifest)).toEqual([
      { path: 'tokenizer/merges.txt', reason: 'missing' },
      { path: 'unet/model.onnx', reason: 'size', actualSize: 10 },
    ]);
    const error = await caught(openInstalledModel(fs, manifest));
    expect(error.code).toBe('corrupt-cache');
    expect(error.details).toMatchObject({ modelId: 'm', path: 'tokenizer/merges.txt' });
    const size = manifest.files.find((f) => f.path === 'unet/model.onnx')!.size;
    expect(error.message).toBe(
      `The installed copy of "my-model" is damaged: tokenizer/merges.txt is missing; unet/model.onnx is 10 B instead of ${formatBytes(size)} (truncated or replaced). Re-import the model folder.`,
    );
  });

  it('catches a same-size change at load for files under the hash limit, and by Verify for bigger ones', async () => {
    const { fs, manifest } = await installed();
    const unet = fs.files.get('models/m/unet/model.onnx')!;
    unet[unet.length - 3] = unet[unet.length - 3]! ^ 0x01; // same size, one byte changed
    const atLoad = await caught((await openInstalledModel(fs, manifest)).open('unet/model.onnx'));
    expect(atLoad.code).toBe('corrupt-cache');
    expect(atLoad.details.path).toBe('unet/model.onnx');
    expect(atLoad.message).toContain('unet/model.onnx has changed since it was imported');
    // with a hash limit below its size the load only checks the size…
    const lenient = await openInstalledModel(fs, manifest, 10);
    expect((await lenient.open('unet/model.onnx'))?.size).toBe(unet.length);
    // …and Verify still finds it, streaming
    const seen: number[] = [];
    expect(await verifyModel(fs, manifest, (done) => seen.push(done))).toEqual([{ path: 'unet/model.onnx', reason: 'hash' }]);
    expect(seen.at(-1)).toBe(manifest.totalBytes);
  });
});

describe('bytes', () => {
  it('formats sizes and transfer speed', () => {
    expect(formatBytes(18_500_000)).toBe('18.5 MB');
    expect(transferStats(50, 100, 1000)).toEqual({ bytesPerSecond: 50, etaMs: 1000 });
    expect(transferStats(0, 100, 0)).toEqual({ bytesPerSecond: 0, etaMs: null });
  });
});
