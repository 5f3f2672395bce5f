/**
 * fp16 U-Nets. Measured (README.md): MLPs in fp32 between Casts land within half an fp16 ulp of the fp32
 * reference (only the final rounding to fp16 remains); MLPs in fp16 drift up to 2 ulps. Tolerances below.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { applyHypernetworks } from '../hypernetwork/forward.ts';
import { buildContextModel } from './context-model.ts';
import { float32ToHalf, halfToFloat32 } from './float16.ts';
import { patchUnet, PRECISION } from './patch.ts';
import { DataType } from './proto.ts';
import { f32, FIXTURES, fixtureBytes, hypernetworkFixture, maxAbsDiff, ort, session, strengthFeeds } from '../../../test/fixtures/onnx/helpers.ts';

const half = (a: Float32Array, dims: number[]): ort.Tensor => new ort.Tensor('float16', float32ToHalf(a), dims);
const fromHalf = (t: ort.Tensor): Float32Array => halfToFloat32(t.data as Uint16Array);
/** half an fp16 ulp of |v| (normal range) */
const halfUlp = (v: number): number => 2 ** (Math.floor(Math.log2(Math.max(Math.abs(v), 2 ** -14))) - 11);

describe('fp16 U-Nets', () => {
  it('defaults to fp32 MLPs between Casts', () => expect(PRECISION).toBe('fp32'));

  it.each(['layout-05-act-ln.pt', 'activation-gelu.pt', 'layout-09-deep-dropout.pt', 'activation-mish.pt'])('%s: fp32 MLP output is the reference rounded to fp16', async (file) => {
    const hn = hypernetworkFixture(file);
    const x = halfToFloat32(float32ToHalf(Float32Array.from({ length: 2 * 7 * 8 }, (_, i) => Math.sin(i * 0.37) * 2)));
    const want = applyHypernetworks([{ hypernetwork: hn, strength: 1 }], x, 8, 2);
    const s = await session(buildContextModel([hn], { width: 8, dtype: DataType.FLOAT16 }));
    const r = await s.run({ encoder_hidden_states: half(x, [2, 7, 8]), ...strengthFeeds([1]) });
    for (const [got, ref] of [[fromHalf(r.hypernetwork_context_k!), want.k], [fromHalf(r.hypernetwork_context_v!), want.v]] as const) {
      for (let i = 0; i < ref.length; i++) expect(Math.abs(got[i]! - ref[i]!)).toBeLessThanOrEqual(halfUlp(ref[i]!) * 1.01 + 1e-6);
    }
  }, 20_000);

  it('patched fp16 U-Net stays within 2e-3 of the fp32 PyTorch reference', async () => {
    const ref = JSON.parse(readFileSync(new URL('onnx/tiny-unet.reference.json', FIXTURES), 'utf8'));
    const c = ref.cases.find((x: { hypernetworks: string[]; strengths: number[] }) => x.hypernetworks[0] === 'layout-05-act-ln.pt' && x.strengths[0] === 1);
    const p = patchUnet(fixtureBytes('onnx/tiny-unet-fp16.onnx'), [{ hypernetwork: hypernetworkFixture('layout-05-act-ln.pt') }]);
    expect(p.report.modelDtype).toBe('float16');
    const s = await session(p.model, p.externalData);
    const inputs = ref.inputs as Record<string, { dims: number[]; data: string }>;
    const feeds = Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, half(f32(v.data), v.dims)]));
    const got = fromHalf((await s.run({ ...feeds, ...strengthFeeds([1]) })).out_sample!);
    expect(maxAbsDiff(got, f32(c.output))).toBeLessThanOrEqual(2e-3);
    expect(maxAbsDiff(f32(c.output), f32(ref.base))).toBeGreaterThan(0.1); // the hypernetwork's effect is far larger
  }, 20_000);
});
