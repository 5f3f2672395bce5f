/**
 * Bad checkpoints and configs: each gives its own error (code and a message naming what is wrong), in bounded
 * time, and leaves nothing in the store — truncated files, wrong keys, mixed shapes, a malicious .ckpt,
 * unsupported model types, a broken or contradicting .yaml, a cancel mid-write, a full disk.
 */
import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { writeSafetensors } from '../src/core/formats/safetensors.ts';
import { MemoryFs } from '../src/core/storage/memory-fs.ts';
import { convertInto, fixture, fixtureBytes, yamlOf } from './support/checkpoints.ts';

/** the fixture with its safetensors header edited by `edit` (tensor data unchanged) */
function editHeader(name: string, edit: (header: Record<string, { dtype: string; shape: number[]; data_offsets: number[] }>) => void): Uint8Array {
  const bytes = fixtureBytes(name);
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
  edit(header);
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + bytes.length - 8 - n);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(bytes.subarray(8 + n), 8 + json.length);
  return out;
}

/** converts into a fresh store; the error it throws, and what the store holds afterwards */
async function failure(bytes: Uint8Array, name: string, options: Parameters<typeof convertInto>[1] = {}, fs = new MemoryFs()) {
  const error = await convertInto(fixture(name, bytes), options, fs).then(
    () => null,
    (e: unknown) => e as { code: string; message: string },
  );
  return { error, left: [...fs.files.keys()] };
}

describe('bad checkpoints give specific errors and leave nothing half-written', { timeout: 120_000 }, () => {
  it('truncated files', async () => {
    for (const name of ['sd1-tiny.safetensors', 'sd1-tiny.ckpt']) {
      const bytes = fixtureBytes(name);
      const { error, left } = await failure(bytes.subarray(0, Math.floor(bytes.length * 0.6)), name);
      expect(error, name).toMatchObject({ code: 'truncated', message: expect.stringContaining(name) });
      expect(left).toEqual([]);
    }
  });

  it('wrong keys: a tensor the architecture needs is missing', async () => {
    const key = 'model.diffusion_model.output_blocks.2.1.transformer_blocks.0.attn2.to_v.weight';
    const bytes = editHeader('sd1-tiny.safetensors', (h) => {
      h['renamed.weight'] = h[key]!;
      delete h[key];
    });
    const { error, left } = await failure(bytes, 'sd1-tiny.safetensors');
    expect(error).toMatchObject({ code: 'bad-checkpoint', message: expect.stringContaining(key) });
    expect(left).toEqual([]);
  });

  it('mixed shapes: a tensor whose shape disagrees with the rest of the model', async () => {
    const key = 'model.diffusion_model.input_blocks.1.1.proj_in.weight';
    const bytes = editHeader('sd1-tiny.safetensors', (h) => {
      h[key]!.shape = [16, 64, 1, 1];
    });
    const { error, left } = await failure(bytes, 'sd1-tiny.safetensors');
    expect(error).toMatchObject({ code: 'bad-checkpoint', message: expect.stringMatching(/proj_in\.weight" has shape \[16, 64, 1, 1\] but the architecture needs \[32, 32, 1, 1\]/) });
    expect(left).toEqual([]);
  });

  it('a malicious .ckpt: a pickle calling os.system is refused, nothing runs', async () => {
    const pickle = Uint8Array.from([0x80, 2, ...new TextEncoder().encode('cos\nsystem\n'), 0x58, 2, 0, 0, 0, 0x6c, 0x73, 0x85, 0x52, 0x2e]);
    const bytes = zipSync({ 'archive/data.pkl': [pickle, { level: 0 }] });
    const { error, left } = await failure(bytes, 'evil.ckpt');
    expect(error).toMatchObject({ code: 'forbidden-global', message: expect.stringContaining('os.system') });
    expect(left).toEqual([]);
  });

  it('inpainting, SDXL and VAE-only files are named and refused', async () => {
    const tiny = (name: string, shape: number[]) => writeSafetensors([{ name, dtype: 'F16', shape, bytes: new Uint8Array(shape.reduce((a, b) => a * b, 2)) }]);
    expect((await failure(tiny('model.diffusion_model.input_blocks.0.0.weight', [32, 9, 3, 3]), 'inpaint.safetensors')).error).toMatchObject({ code: 'unsupported-model', message: expect.stringContaining('inpainting') });
    expect((await failure(tiny('conditioner.embedders.0.transformer.text_model.final_layer_norm.weight', [4]), 'xl.safetensors')).error).toMatchObject({ code: 'unsupported-model', message: expect.stringContaining('SDXL') });
    expect((await failure(tiny('decoder.conv_in.weight', [32, 4, 3, 3]), 'vae.safetensors')).error).toMatchObject({ code: 'bad-checkpoint', message: expect.stringContaining('VAE') });
  });

  it('a broken, unsupported or contradicting .yaml', async () => {
    const bytes = fixtureBytes('sd1-tiny.safetensors');
    const yaml = yamlOf('sd1');
    const withYaml = (text: string) => failure(bytes, 'sd1-tiny.safetensors', { config: { name: 'sd1-tiny.yaml', text } });
    expect((await withYaml('model: [unclosed')).error).toMatchObject({ code: 'bad-config' });
    expect((await withYaml(yaml.text.replace('num_heads: 2', 'num_heads: "eight"'))).error).toMatchObject({ code: 'bad-config', message: expect.stringContaining('num_heads') });
    expect((await withYaml(yaml.text.replace('ldm.models.diffusion.ddpm.LatentDiffusion', 'ldm.models.diffusion.ddpm.LatentInpaintDiffusion'))).error).toMatchObject({ code: 'unsupported-model' });
    expect((await withYaml(yaml.text.replace('num_heads: 2', 'num_heads: 3'))).error).toMatchObject({ code: 'bad-config', message: expect.stringContaining('3 heads') });
    const wrong = await withYaml(yaml.text.replace('model_channels: 32', 'model_channels: 64'));
    expect(wrong.error).toMatchObject({ code: 'bad-checkpoint', message: expect.stringContaining('wrong .yaml') });
    expect(wrong.left).toEqual([]);
  });

  it('a cancel mid-write and a full disk remove the partial copy', async () => {
    const abort = new AbortController();
    const fs = new MemoryFs();
    let writes = 0;
    const original = fs.write.bind(fs);
    fs.write = async (path) => {
      if (++writes === 2) abort.abort();
      return original(path);
    };
    const cancelled = await failure(fixtureBytes('sd1-tiny.safetensors'), 'sd1-tiny.safetensors', { signal: abort.signal }, fs);
    expect(cancelled.error).toMatchObject({ code: 'cancelled' });
    expect(cancelled.left).toEqual([]);
    const full = await failure(fixtureBytes('sd1-tiny.safetensors'), 'sd1-tiny.safetensors', {}, new MemoryFs(2_000_000));
    expect(full.error).toMatchObject({ code: 'storage-full' });
    expect(full.left).toEqual([]);
  });
});
