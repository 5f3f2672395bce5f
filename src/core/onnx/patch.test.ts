/**
 * Numerics of the patched U-Net against PyTorch with A1111 semantics (tools/onnx-fixtures): every layout
 * #1–#11, activation and dtype fixture of the reader on a U-Net with widths 8/16 (attn1) and 12 (attn2).
 * To keep session creations few, hypernetworks are stacked in one graph and fed one-hot strengths: a
 * strength of 0 makes a module the exact identity (x + y·0 = x), so each run is that hypernetwork alone.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { patchUnet, type StackEntry } from './patch.ts';
import { prepareUnet } from './prepare.ts';
import { decodeModel, encodeModel } from './proto.ts';
import { f32, FIXTURES, fixtureBytes, hypernetworkFixture, maxAbsDiff, ort, session, strengthFeeds } from '../../../test/fixtures/onnx/helpers.ts';

interface Case {
  hypernetworks: string[];
  strengths: number[];
  perImage?: boolean;
  output: string;
}
const ref = JSON.parse(readFileSync(new URL('onnx/tiny-unet.reference.json', FIXTURES), 'utf8')) as {
  inputs: Record<string, { dims: number[]; data: string }>;
  base: string;
  cases: Case[];
};
const TOL = 1e-4;
const feeds = (): Record<string, ort.Tensor> =>
  Object.fromEntries(Object.entries(ref.inputs).map(([k, v]) => [k, new ort.Tensor('float32', f32(v.data), v.dims)]));
const base = f32(ref.base);
const unet = fixtureBytes('onnx/tiny-unet.onnx');
const stackOf = (files: string[]): StackEntry[] => files.map((f) => ({ hypernetwork: hypernetworkFixture(f) }));
const out = async (s: ort.InferenceSession, extra: Record<string, ort.Tensor> = {}): Promise<Float32Array> =>
  (await s.run({ ...feeds(), ...extra })).out_sample!.data as Float32Array;

beforeAll(async () => {
  await session(unet); // wasm start-up outside the timed tests
}, 120_000);

describe('patched U-Net vs PyTorch (A1111 semantics)', () => {
  const single = ref.cases.filter((c) => c.hypernetworks.length === 1 && !c.perImage);
  const files = [...new Set(single.map((c) => c.hypernetworks[0]!))];
  const chunks: string[][] = [];
  for (let i = 0; i < files.length; i += 13) chunks.push(files.slice(i, i + 13));

  it('covers every layout #1-#11 and activation fixture', () => {
    for (let n = 1; n <= 11; n++) expect(files.some((f) => f.startsWith(`layout-${String(n).padStart(2, '0')}`))).toBe(true);
    expect(files.filter((f) => f.startsWith('activation-')).length).toBeGreaterThanOrEqual(23);
  });

  it.each(chunks.map((c, i) => [i, c] as const))('fixture group %i: each hypernetwork at 0, 0.5, 1, -0.5 (or 0.7)', async (_i, group) => {
    const p = patchUnet(unet, stackOf(group));
    const s = await session(p.model, p.externalData);
    for (const c of single.filter((x) => group.includes(x.hypernetworks[0]!))) {
      const strengths = group.map((f) => (f === c.hypernetworks[0] ? c.strengths[0]! : 0));
      const got = await out(s, strengthFeeds(strengths));
      const want = f32(c.output);
      expect(maxAbsDiff(got, want), `${c.hypernetworks[0]} @ ${c.strengths[0]}`).toBeLessThanOrEqual(TOL);
      if (c.strengths[0] === 0) expect(maxAbsDiff(got, base)).toBeLessThanOrEqual(1e-6);
      else expect(maxAbsDiff(want, base), 'the hypernetwork must change the output').toBeGreaterThan(1e-3);
    }
  }, 20_000);

  it('stacks two hypernetworks in both orders, K and V chains separate', async () => {
    for (const c of ref.cases.filter((x) => x.hypernetworks.length === 2)) {
      const p = patchUnet(unet, stackOf(c.hypernetworks));
      const s = await session(p.model, p.externalData);
      expect(maxAbsDiff(await out(s, strengthFeeds(c.strengths)), f32(c.output)), c.hypernetworks.join(' then ')).toBeLessThanOrEqual(TOL);
    }
  }, 20_000);

  it('runs the attn2 chains outside (context model once per prompt) with the same result', async () => {
    for (const c of [ref.cases.find((x) => x.hypernetworks.length === 2)!, ref.cases.find((x) => x.perImage)!]) {
      const p = prepareUnet(unet, stackOf(c.hypernetworks), { strengthShape: c.perImage ? 'batch' : 'scalar' });
      expect(p.report.contextInputs).toEqual({ k: 'hypernetwork_context_k', v: 'hypernetwork_context_v', width: 12 });
      const strengths = c.perImage ? { hypernetwork_strength_0: new ort.Tensor('float32', Float32Array.from(c.strengths), [2]) } : strengthFeeds(c.strengths);
      const ctx = await (await session(p.context!)).run({ encoder_hidden_states: feeds().encoder_hidden_states!, ...strengths });
      const s = await session(p.model, p.externalData);
      const got = await out(s, { ...strengths, hypernetwork_context_k: ctx.hypernetwork_context_k!, hypernetwork_context_v: ctx.hypernetwork_context_v! });
      expect(maxAbsDiff(got, f32(c.output))).toBeLessThanOrEqual(TOL);
    }
  }, 20_000);

  it('takes one strength per image with strengthShape "batch"', async () => {
    const c = ref.cases.find((x) => x.perImage)!;
    const p = patchUnet(unet, stackOf(c.hypernetworks), { strengthShape: 'batch' });
    const s = await session(p.model, p.externalData);
    const strength = new ort.Tensor('float32', Float32Array.from(c.strengths), [c.strengths.length]);
    expect(maxAbsDiff(await out(s, { hypernetwork_strength_0: strength }), f32(c.output))).toBeLessThanOrEqual(TOL);
  }, 20_000);

  it('bakes strengths into constants, leaving exactly the original inputs', async () => {
    const c = ref.cases.find((x) => x.hypernetworks.length === 2)!;
    const stack = stackOf(c.hypernetworks).map((e, i) => ({ ...e, strength: c.strengths[i] }));
    const p = patchUnet(unet, stack, { bake: true });
    const s = await session(p.model, p.externalData);
    expect([...s.inputNames]).toEqual(['sample', 'timestep', 'encoder_hidden_states']);
    expect(p.report.strengthInputs).toEqual([]);
    expect(maxAbsDiff(await out(s), f32(c.output))).toBeLessThanOrEqual(TOL);
  }, 20_000);

  it('matches with the literal Linear chain (collapseLinear: false) too', async () => {
    const c = single.find((x) => x.hypernetworks[0] === 'layout-02-linear.pt' && x.strengths[0] === -0.5)!;
    const p = patchUnet(unet, stackOf(c.hypernetworks), { collapseLinear: false });
    const s = await session(p.model, p.externalData);
    expect(maxAbsDiff(await out(s, strengthFeeds([-0.5])), f32(c.output))).toBeLessThanOrEqual(TOL);
  }, 20_000);

  it('builds LayerNormalization as an op at opset 17', async () => {
    const c = single.find((x) => x.hypernetworks[0] === 'layout-05-act-ln.pt' && x.strengths[0] === 1)!;
    const p = patchUnet(fixtureBytes('onnx/tiny-unet-opset17.onnx'), stackOf(c.hypernetworks));
    expect(decodeModel(p.model).graph.node.some((n) => n.op_type === 'LayerNormalization' && n.name?.includes('hypernetwork'))).toBe(true);
    const s = await session(p.model, p.externalData);
    expect(maxAbsDiff(await out(s, strengthFeeds([1])), f32(c.output))).toBeLessThanOrEqual(TOL);
  }, 20_000);
});

describe('patch report and graph shape', () => {
  it('reports layers per width and widths the model lacks', () => {
    const { report } = patchUnet(unet, stackOf(['layout-02-linear.pt', 'size-1024.pt']));
    expect(report.method).toBe('names');
    expect(report.widths).toEqual([
      { width: 8, attn1: 3, attn2: 0, hypernetworks: [0] },
      { width: 12, attn1: 0, attn2: 7, hypernetworks: [0] },
      { width: 16, attn1: 4, attn2: 0, hypernetworks: [0] },
    ]);
    expect(report.unused).toEqual([
      { hypernetwork: 0, width: 20 },
      { hypernetwork: 1, width: 320 },
      { hypernetwork: 1, width: 1024 },
    ]);
    expect(report.strengthInputs).toEqual(['hypernetwork_strength_0', 'hypernetwork_strength_1']);
  });

  it('stores each module once and reads the text context through one shared chain', () => {
    const p = patchUnet(unet, stackOf(['layout-03-act-no-output.pt'])); // relu [1,2,1], widths 8 and 12
    const g = decodeModel(p.model).graph;
    // widths 8, 12; K and V; 2 Linear layers of weight + bias
    expect(g.initializer.filter((t) => t.name?.startsWith('hypernetwork_0.')).length).toBe(2 * 2 * 4);
    const matmuls = g.node.filter((n) => n.op_type === 'MatMul' && n.name?.startsWith('/hypernetwork/'));
    // (3 attn1 layers + 1 shared attn2 chain) × K,V × 2 Linear
    expect(matmuls.length).toBe((3 + 1) * 2 * 2);
  });

  it('multiplies out all-linear modules unless told not to', () => {
    const count = (collapseLinear: boolean | undefined, fold: boolean): number =>
      decodeModel(patchUnet(unet, stackOf(['layout-02-linear.pt']), { collapseLinear }).model).graph.node.filter(
        (n) => n.op_type === 'MatMul' && n.name?.startsWith('/hypernetwork/') && n.name.startsWith('/hypernetwork/fold/') === fold,
      ).length;
    // per step: (3 + 4 attn1 layers + 1 shared attn2 chain) × K,V; plus, once per width and K/V, the weight and
    // bias products that onnxruntime folds into constants at session creation
    expect(count(undefined, false)).toBe(8 * 2);
    expect(count(undefined, true)).toBe(3 * 2 * 2);
    expect(count(false, false)).toBe(8 * 2 * 2);
    expect(count(false, true)).toBe(0);
  });

  it('leaves the original weights in place: the patched file references them', () => {
    const p = patchUnet(unet, []);
    expect(p.externalData[0]!.data).toBe(unet);
    expect(p.model.length).toBeLessThan(unet.length);
  });

  it('finds the same projections structurally when node names are gone', () => {
    const m = decodeModel(unet);
    for (const n of m.graph.node) n.name = '';
    const named = patchUnet(unet, stackOf(['layout-02-linear.pt'])).report;
    const p = patchUnet(encodeModel(m), stackOf(['layout-02-linear.pt']));
    expect(p.report.method).toBe('structure');
    expect(p.report.widths).toEqual(named.widths);
  });

  it('accepts ldm-layout names (…/transformer_blocks.0/attn1/to_k/MatMul)', () => {
    const m = decodeModel(unet);
    for (const n of m.graph.node) n.name = n.name?.replace(/^\/down_blocks\.0\/attentions\.0/, '/input_blocks.1.1');
    const p = patchUnet(encodeModel(m), stackOf(['layout-02-linear.pt']));
    expect(p.report.method).toBe('names');
    expect(p.report.widths.map((w) => w.attn1 + w.attn2)).toEqual([3, 7, 4]);
  });
});

describe('un-patched path', () => {
  it('runs identically to the original model', async () => {
    const original = await out(await session(unet));
    const p = patchUnet(unet, []);
    expect(maxAbsDiff(await out(await session(p.model, p.externalData)), original)).toBe(0);
    expect(maxAbsDiff(original, base)).toBeLessThanOrEqual(TOL);
  }, 20_000);
});
