import { beforeEach, describe, expect, it, vi } from 'vitest';
import { MemoryFs, memorySourceFile } from '../../core/storage/memory-fs.ts';
import type { SourceFile } from '../../core/storage/storage-fs.ts';
import { resetStudio, useStudio } from '../store.ts';
import { engine, F16_GPU, resetEngine } from '../../../test/support/fake-engine.ts';
import { tinyNetwork } from '../../../test/support/onnx-models.ts';

vi.mock('../../engine/client.ts', async () => (await import('../../../test/support/fake-engine.ts')).clientModule());

const { deleteInstalledModel, importModelFolder, initStorage, setStorageBackend, verifyInstalledModel } = await import('./storage.ts');
const { forgetAdapterProbe, probeImportPrecision, setImportFp16 } = await import('./import-precision.ts');

/** a folder with tiny real networks (import re-shards each network's weights: it parses the graphs) */
function demoFolder(): SourceFile[] {
  const files: Record<string, string | Uint8Array> = {
    'text_encoder/model.onnx': tinyNetwork(300, 1),
    'unet/model.onnx': tinyNetwork(500, 2),
    'vae_decoder/model.onnx': tinyNetwork(300, 3),
    'tokenizer/vocab.json': '{}',
    'tokenizer/merges.txt': 'a b\n',
    'scheduler/scheduler_config.json': '{}',
  };
  return Object.entries(files).map(([p, c]) => memorySourceFile(`demo-copy/${p}`, c));
}

let fs: MemoryFs;
const storage = () => useStudio.getState().storage;

function useFs(next: MemoryFs, quota = 1e9) {
  fs = next;
  setStorageBackend({ fs, estimate: async () => ({ usage: fs.usage, quota }), persist: async () => true });
}

beforeEach(() => {
  resetStudio();
  resetEngine();
  forgetAdapterProbe();
  useFs(new MemoryFs());
});

/** the stored manifest's record of what the import did to the weights */
function storedLayout(id: string): unknown {
  return JSON.parse(new TextDecoder().decode(fs.files.get(`models/${id}/manifest.json`)!)).storage;
}

describe('storage actions', () => {
  it('imports a folder, lists it with its size and loads it by id', async () => {
    await initStorage();
    expect(storage()).toMatchObject({ listed: true, persisted: true, models: [] });
    await importModelFolder(demoFolder());
    const [model] = storage().models;
    // three networks of a graph and a weight shard each, three tokenizer/scheduler files
    expect(model).toMatchObject({ name: 'demo-copy', fileCount: 9, totalBytes: fs.usage - fs.files.get(`models/${model!.id}/manifest.json`)!.byteLength });
    expect(storage().import).toMatchObject({ status: 'done', id: model!.id });
    expect(storage().usage).toBe(fs.usage);
    await vi.waitFor(() => expect(engine.loadModel).toHaveBeenCalled());
    expect(vi.mocked(engine.loadModel).mock.calls.at(-1)?.[0]).toEqual({ kind: 'installed', id: model!.id, name: 'demo-copy' });
  });

  it('explains a full disk and leaves nothing behind', async () => {
    useFs(new MemoryFs(3000), 1e9); // the browser claims room, the disk has less
    await importModelFolder(demoFolder());
    expect(storage().import).toMatchObject({ status: 'error', error: { code: 'storage-full' } });
    expect(fs.files.size).toBe(0);
    expect(storage().models).toEqual([]);

    useFs(new MemoryFs(), 100); // the estimate already says it cannot fit
    await importModelFolder(demoFolder());
    const error = storage().import.status === 'error' ? (storage().import as { error: { message: string } }).error : null;
    expect(error?.message).toMatch(/^Storage full: the model needs \d\.\d\d kB, 100 B free\./);
  });

  it('verifies on demand, finding a same-size change, and deletes', async () => {
    await importModelFolder(demoFolder());
    const id = storage().models[0]!.id;
    await verifyInstalledModel(id);
    expect(storage().verify).toMatchObject({ id, status: 'ok' });
    const unetGraph = fs.files.get(`models/${id}/unet/model.onnx`)!;
    unetGraph[7] = unetGraph[7]! ^ 0xff;
    await verifyInstalledModel(id);
    expect(storage().verify).toMatchObject({ id, status: 'damaged', error: { code: 'corrupt-cache', details: { path: 'unet/model.onnx' } } });
    await deleteInstalledModel(id);
    expect(storage().models).toEqual([]);
    expect(storage().verify).toBeNull();
    expect(fs.files.size).toBe(0);
  });

  it('a delete that fails says why and keeps the model listed; the row says "Deleting…" until it is done', async () => {
    await importModelFolder(demoFolder());
    const id = storage().models[0]!.id;
    const removeDir = vi.spyOn(fs, 'removeDir').mockRejectedValueOnce(Object.assign(new Error('The file is in use.'), { name: 'NoModificationAllowedError' }));
    const done = deleteInstalledModel(id);
    expect(storage().deleting).toEqual({ id, error: null });
    await done;
    expect(storage().deleting).toMatchObject({ id, error: { message: expect.stringContaining('The file is in use.') } });
    expect(storage().models.map((m) => m.id)).toEqual([id]);
    removeDir.mockRestore();
    await deleteInstalledModel(id);
    expect(storage().deleting).toBeNull();
    expect(storage().models).toEqual([]);
  });

  it('replaces the damaged model a re-import was offered for', async () => {
    await importModelFolder(demoFolder());
    const old = storage().models[0]!.id;
    useStudio.setState((s) => ({ storage: { ...s.storage, replacing: old } }));
    await new Promise((r) => setTimeout(r, 5)); // a new id (time-stamped)
    await importModelFolder(demoFolder());
    expect(storage().models.map((m) => m.id)).not.toContain(old);
    expect(storage().models).toHaveLength(1);
    expect(storage().replacing).toBeNull();
  });
});

describe('import option "Convert to fp16"', () => {
  it('is on by default where the adapter has shader-f16, and the import converts the weights', async () => {
    engine.adapterFacts.mockResolvedValue({ device: F16_GPU, missing: null });
    await initStorage();
    await probeImportPrecision();
    expect(storage().fp16).toMatchObject({ probed: true, recommended: true, checked: true, note: expect.stringContaining('nvidia ampere has shader-f16') });
    await importModelFolder(demoFolder());
    expect(storage().import).toMatchObject({ status: 'done', converted: true });
    expect(storedLayout(storage().models[0]!.id)).toMatchObject({ precision: 'fp16', converted: true });
  });

  it('is off and says why without shader-f16 or without WebGPU; the import keeps fp32', async () => {
    engine.adapterFacts.mockResolvedValue({ device: { ...F16_GPU, shaderF16: false }, missing: null });
    await initStorage();
    await probeImportPrecision();
    expect(storage().fp16).toMatchObject({ probed: true, recommended: false, checked: false, note: expect.stringContaining('lacks shader-f16') });
    await importModelFolder(demoFolder());
    expect(storage().import).toMatchObject({ status: 'done', converted: false });
    expect(storedLayout(storage().models[0]!.id)).toMatchObject({ precision: 'fp32', converted: false });

    forgetAdapterProbe();
    engine.adapterFacts.mockRejectedValueOnce(new Error('worker failed to start'));
    await probeImportPrecision(); // a failed probe is an adapter we know nothing about: off, never a rejection
    expect(storage().fp16).toMatchObject({ checked: false, note: expect.stringContaining('worker failed to start') });
  });

  it("keeps the user's choice over the default, whenever the probe answers", async () => {
    engine.adapterFacts.mockResolvedValue({ device: F16_GPU, missing: null });
    setImportFp16(false); // chosen before the probe answered
    await probeImportPrecision();
    expect(storage().fp16).toMatchObject({ recommended: true, checked: false, userSet: true });
    await importModelFolder(demoFolder());
    expect(storage().import).toMatchObject({ status: 'done', converted: false });
  });
});
