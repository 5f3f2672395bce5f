import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import { f32, FIXTURES, maxAbsDiff, ort, strengthFeeds } from '../../test/fixtures/onnx/helpers.ts';
import { externalLocations } from '../core/onnx/external.ts';
import { decodeModel } from '../core/onnx/proto.ts';
import { parseHypernetworkArg, patchCommand } from './patch.ts';

const fixture = (p: string): string => fileURLToPath(new URL(p, FIXTURES));
const ref = JSON.parse(readFileSync(fixture('onnx/tiny-unet.reference.json'), 'utf8'));
const pair = ref.cases.find((c: { hypernetworks: string[] }) => c.hypernetworks.length === 2);
const feeds = (): Record<string, ort.Tensor> =>
  Object.fromEntries(Object.entries(ref.inputs as Record<string, { dims: number[]; data: string }>).map(([k, v]) => [k, new ort.Tensor('float32', f32(v.data), v.dims)]));

async function runFile(path: string, extra: Record<string, ort.Tensor> = {}): Promise<{ out: Float32Array; inputs: string[] }> {
  const data = new Uint8Array(readFileSync(`${path}_data`));
  const s = await ort.InferenceSession.create(new Uint8Array(readFileSync(path)), { executionProviders: ['wasm'], externalData: [{ path: 'out.onnx_data', data }] });
  return { out: (await s.run({ ...feeds(), ...extra })).out_sample!.data as Float32Array, inputs: [...s.inputNames] };
}

describe('hnstudio patch', () => {
  vi.spyOn(console, 'log').mockImplementation(() => {});
  const hn = (i: number): string[] => ['--hypernetwork', `${fixture(`hypernetwork/${pair.hypernetworks[i]}`)}:${pair.strengths[i]}`];

  it('writes a U-Net with one strength input per hypernetwork, weights beside it', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'hn-patch-')), 'out.onnx');
    await patchCommand([fixture('onnx/tiny-unet.onnx'), ...hn(0), ...hn(1), '--standalone', '--out', out]);
    const r = await runFile(out, strengthFeeds(pair.strengths));
    expect(r.inputs).toEqual(['sample', 'timestep', 'encoder_hidden_states', 'hypernetwork_strength_0', 'hypernetwork_strength_1']);
    expect(maxAbsDiff(r.out, f32(pair.output))).toBeLessThanOrEqual(1e-4);
  }, 20_000);

  it('--bake makes a drop-in replacement with exactly the original inputs', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'hn-patch-')), 'out.onnx');
    await patchCommand([fixture('onnx/tiny-unet.onnx'), ...hn(0), ...hn(1), '--bake', '--standalone', '--out', out]);
    const r = await runFile(out);
    expect(r.inputs).toEqual(['sample', 'timestep', 'encoder_hidden_states']);
    expect(maxAbsDiff(r.out, f32(pair.output))).toBeLessThanOrEqual(1e-4);
  }, 20_000);

  it('by default writes a small graph beside the U-Net that references its weights where they are', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hn-patch-'));
    copyFileSync(fixture('onnx/tiny-unet.onnx'), join(dir, 'unet.onnx'));
    const out = join(dir, 'unet-hn.onnx');
    await patchCommand([join(dir, 'unet.onnx'), ...hn(0), ...hn(1), '--out', out]);
    expect(existsSync(`${out}_data`)).toBe(false);
    const model = decodeModel(new Uint8Array(readFileSync(out)));
    expect(new Set(externalLocations(model))).toEqual(new Set(['unet.onnx']));
    const s = await ort.InferenceSession.create(new Uint8Array(readFileSync(out)), { executionProviders: ['wasm'], externalData: [{ path: 'unet.onnx', data: new Uint8Array(readFileSync(join(dir, 'unet.onnx'))) }] });
    const result = (await s.run({ ...feeds(), ...strengthFeeds(pair.strengths) })).out_sample!.data as Float32Array;
    expect(maxAbsDiff(result, f32(pair.output))).toBeLessThanOrEqual(1e-4);
    // elsewhere it needs --standalone
    await expect(patchCommand([join(dir, 'unet.onnx'), ...hn(0), '--out', join(tmpdir(), 'elsewhere.onnx')])).rejects.toThrow(/--standalone/);
  }, 20_000);

  it('parses FILE.pt[:STRENGTH]', () => {
    expect(parseHypernetworkArg('a.pt')).toEqual({ path: 'a.pt' });
    expect(parseHypernetworkArg('a.pt:-0.5')).toEqual({ path: 'a.pt', strength: -0.5 });
    expect(parseHypernetworkArg('C:\\x\\a.pt')).toEqual({ path: 'C:\\x\\a.pt' });
    expect(() => parseHypernetworkArg('a.pt:x')).toThrow(/bad strength/);
  });

  it('bad input: exit 1 and one error line', () => {
    const bin = fileURLToPath(new URL('../../bin/hnstudio.mjs', import.meta.url));
    const r = spawnSync(process.execPath, [bin, 'patch', fixture('hypernetwork/layout-02-linear.pt'), '--hypernetwork', fixture('hypernetwork/layout-02-linear.pt'), '--out', join(tmpdir(), 'never.onnx')], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^error: /);
  }, 20_000);
});
