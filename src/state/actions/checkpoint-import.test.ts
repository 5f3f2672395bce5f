import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { MemoryFs } from '../../core/storage/memory-fs.ts';
import { engine, resetEngine } from '../../../test/support/fake-engine.ts';
import { resetStudio, useStudio } from '../store.ts';

vi.mock('../../engine/client.ts', async () => (await import('../../../test/support/fake-engine.ts')).clientModule());

const { setStorageBackend } = await import('./storage.ts');
const { importCheckpointFiles, retryCheckpointImport } = await import('./checkpoint-import.ts');

const fixture = (name: string) => new URL(`../../../test/fixtures/checkpoint/${name}`, import.meta.url);
const gz = (name: string, as = name.replace(/\.gz$/, '')) => new File([gunzipSync(readFileSync(fixture(name)))], as);
const demo = (path: string) => new Uint8Array(readFileSync(new URL(`../../../public/models/sd-shapes-demo/tokenizer/${path}`, import.meta.url)));
const tokenizer = async () => ({ vocab: demo('vocab.json'), merges: demo('merges.txt') });

let fs: MemoryFs;
const storage = () => useStudio.getState().storage;

beforeEach(() => {
  resetStudio();
  resetEngine();
  fs = new MemoryFs();
  setStorageBackend({ fs, estimate: async () => ({ usage: fs.usage, quota: 1e10 }), persist: async () => true });
});

describe('checkpoint import', { timeout: 120_000 }, () => {
  it('converts a dropped A1111 checkpoint with its .yaml into an installed model and loads it', async () => {
    const yaml = new File([readFileSync(fixture('sd1-tiny.yaml'))], 'sd1-tiny.yaml');
    await importCheckpointFiles([gz('sd1-tiny.safetensors.gz'), yaml], { tokenizer });
    expect(storage().import).toMatchObject({ status: 'done', name: 'sd1-tiny' });
    const [model] = storage().models;
    expect(model).toMatchObject({ name: 'sd1-tiny' });
    const files = [...fs.files.keys()].filter((k) => k.startsWith(`models/${model!.id}/`)).map((k) => k.slice(`models/${model!.id}/`.length));
    for (const network of ['text_encoder', 'unet', 'vae_decoder']) expect(files).toContain(`${network}/model.onnx`);
    expect(files).toContain('tokenizer/vocab.json');
    await vi.waitFor(() => expect(engine.loadModel).toHaveBeenCalled());
    expect(vi.mocked(engine.loadModel).mock.calls.at(-1)?.[0]).toEqual({ kind: 'installed', id: model!.id, name: 'sd1-tiny' });
  });

  it('refuses a drop without a checkpoint, and a broken checkpoint, with their codes and nothing left behind', async () => {
    await importCheckpointFiles([new File(['model: {}'], 'lonely.yaml')], { tokenizer });
    expect(storage().import).toMatchObject({ status: 'error', error: { code: 'bad-request' } });
    await importCheckpointFiles([new File([new Uint8Array(64)], 'broken.safetensors')], { tokenizer });
    expect(storage().import).toMatchObject({ status: 'error', name: 'broken.safetensors' });
    expect((storage().import as { error: { code: string } }).error.code).not.toBe('internal-error');
    expect(fs.files.size).toBe(0);
    expect(engine.loadModel).not.toHaveBeenCalled();
  });

  it('asks what an SD 2.x checkpoint without its .yaml predicts, and imports it with the answer', async () => {
    await importCheckpointFiles([gz('sd2-tiny.safetensors.gz')], { tokenizer });
    expect(storage().import).toMatchObject({ status: 'error', error: { code: 'bad-request', details: { needs: 'prediction' } } });
    expect(fs.files.size).toBe(0);
    await retryCheckpointImport('v_prediction');
    expect(storage().import).toMatchObject({ status: 'done', name: 'sd2-tiny' });
    const id = storage().models[0]!.id;
    const config = JSON.parse(new TextDecoder().decode(fs.files.get(`models/${id}/scheduler/scheduler_config.json`)!));
    expect(config.prediction_type).toBe('v_prediction');
  });
});
