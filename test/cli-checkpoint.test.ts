/** `hnstudio convert-checkpoint` through the real bin: a folder `generate` loads, A1111's identity in the PNG, and no partial output on failure. */
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readPngText } from '../src/core/formats/png.ts';
import { fixtureBytes } from './support/checkpoints.ts';
import { hnstudio, ROOT } from './support/hnstudio.ts';

const FIXTURES = join(ROOT, 'test', 'fixtures', 'checkpoint');

describe('hnstudio convert-checkpoint', { timeout: 180_000 }, () => {
  it('writes an ONNX folder (the .yaml beside the file is used) that generate loads, with Model and Model hash from the checkpoint', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hn-cli-ckpt-'));
    writeFileSync(join(dir, 'sd1-tiny.ckpt'), fixtureBytes('sd1-tiny.ckpt'));
    copyFileSync(join(FIXTURES, 'sd1-tiny.yaml'), join(dir, 'sd1-tiny.yaml'));
    const out = join(dir, 'converted');
    const r = await hnstudio('convert-checkpoint', join(dir, 'sd1-tiny.ckpt'), '--fp16', '--out', out);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('SD 1.x');
    expect(r.stdout).toContain('prediction: epsilon');
    expect(r.stdout).toMatch(/Model: sd1-tiny, Model hash: [0-9a-f]{10}/);
    expect(r.stdout).toContain('sd1-tiny.yaml');
    expect(readdirSync(dir).sort()).toEqual(['converted', 'sd1-tiny.ckpt', 'sd1-tiny.yaml']);
    for (const f of ['manifest.json', 'model_index.json', 'unet/model.onnx', 'unet/weights-0.bin', 'vae_encoder/model.onnx', 'tokenizer/vocab.json']) expect(existsSync(join(out, f)), f).toBe(true);
    const hash = /Model hash: ([0-9a-f]{10})/.exec(r.stdout)![1];

    const png = join(dir, 'out.png');
    const g = await hnstudio('generate', '--model', out, '--prompt', 'a red circle', '--steps', '2', '--seed', '1', '--width', '32', '--height', '32', '--out', png);
    expect(g.code, g.stderr).toBe(0);
    const parameters = readPngText(new Uint8Array(readFileSync(png))).parameters!;
    expect(parameters).toContain(`Model hash: ${hash}, Model: sd1-tiny`);
  });

  it('a bad checkpoint: one error line with its code, exit code 1, no output folder or temporary left', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hn-cli-ckpt-'));
    const bytes = fixtureBytes('sd1-tiny.safetensors');
    writeFileSync(join(dir, 'cut.safetensors'), bytes.subarray(0, bytes.length >> 1));
    const r = await hnstudio('convert-checkpoint', join(dir, 'cut.safetensors'), '--out', join(dir, 'out'));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: cut\.safetensors is truncated: .* \[truncated\]\n$/);
    expect(readdirSync(dir)).toEqual(['cut.safetensors']);
    const exists = await hnstudio('convert-checkpoint', join(dir, 'cut.safetensors'), '--out', dir);
    expect(exists.stderr).toContain('already exists');
  });
});
