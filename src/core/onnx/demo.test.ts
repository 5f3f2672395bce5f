/**
 * The demo U-Net (public/models/sd-shapes-demo) against the demo tools' PyTorch references
 * (test/reference/demo, tools/demo-model/build.py --stages ref): each demo hypernetwork at 0, 0.5, 1, −0.5
 * and two stacked in both orders, max abs error ≤ 1e-4. Skipped until the demo model and references exist.
 * HN_DEMO_ROOT points it at another build with the same layout (e.g. the demo tools' smoke export).
 */
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { patchUnet } from './patch.ts';
import { maxAbsDiff, ort, session, strengthFeeds } from '../../../test/fixtures/onnx/helpers.ts';
import { readHypernetwork } from '../hypernetwork/index.ts';

const ROOT = process.env.HN_DEMO_ROOT ? new URL(`file://${process.env.HN_DEMO_ROOT.replace(/\/?$/, '/')}`) : new URL('../../../', import.meta.url);
const REF = new URL('test/reference/demo/', ROOT);
const UNET = new URL('public/models/sd-shapes-demo/unet/model.onnx', ROOT);
const ready = existsSync(new URL('manifest.json', REF)) && existsSync(UNET);

interface Manifest {
  tensors: Record<string, { file: string; shape: number[] }>;
  unet_timestep: number;
  unet_cases: Record<string, { hypernetwork: string; strength: number }[]>;
}

describe.skipIf(!ready)('demo U-Net vs PyTorch references', () => {
  const m = ready ? (JSON.parse(readFileSync(new URL('manifest.json', REF), 'utf8')) as Manifest) : null!;
  const tensor = (name: string): Float32Array => {
    const b = readFileSync(new URL(m.tensors[name]!.file, REF));
    return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
  };
  const feeds = (): Record<string, ort.Tensor> => ({
    sample: new ort.Tensor('float32', tensor('unet_sample'), m.tensors.unet_sample!.shape),
    timestep: new ort.Tensor('float32', Float32Array.of(m.unet_timestep), []),
    encoder_hidden_states: new ort.Tensor('float32', tensor('unet_encoder_hidden_states'), m.tensors.unet_encoder_hidden_states!.shape),
  });

  it('matches every case, one session per stacking order', async () => {
    const unet = new Uint8Array(readFileSync(UNET));
    const cases = Object.entries(m.unet_cases);
    const files = [...new Set(cases.flatMap(([, spec]) => spec.map((s) => s.hypernetwork)))];
    const load = (f: string) => readHypernetwork(new Uint8Array(readFileSync(new URL(f, ROOT))), f.split('/').pop()!);
    const checked = new Set<string>();
    let worst = 0;
    for (const order of [files, [...files].reverse()]) {
      const p = patchUnet(unet, order.map((f) => ({ hypernetwork: load(f) })));
      const s = await session(p.model, p.externalData);
      for (const [name, spec] of cases) {
        // a stack is checked in the session of its own order; a strength of 0 makes a module the identity
        const positions = spec.map((x) => order.indexOf(x.hypernetwork));
        if (positions.some((q, i) => i > 0 && q < positions[i - 1]!)) continue;
        const strengths = order.map((f) => spec.find((x) => x.hypernetwork === f)?.strength ?? 0);
        const got = (await s.run({ ...feeds(), ...strengthFeeds(strengths) })).out_sample!.data as Float32Array;
        const err = maxAbsDiff(got, tensor(name));
        expect(err, name).toBeLessThanOrEqual(1e-4);
        worst = Math.max(worst, err);
        checked.add(name);
      }
    }
    expect([...checked].sort()).toEqual(cases.map(([n]) => n).sort());
    if (process.env.HN_DEMO_VERBOSE) console.log(`${checked.size} cases, max abs error ${worst}`);
  }, 60_000);
});

