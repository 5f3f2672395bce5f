/** Issue 14's sampling options from the form to the engine's request, and back through PNG Info. */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { DEMO_MODEL } from '../model-types.ts';
import { initialParams } from '../generation-types.ts';
import { resetStudio, useStudio } from '../store.ts';
import { engine, resetEngine } from '../../../test/support/fake-engine.ts';

vi.mock('../../engine/client.ts', async () => (await import('../../../test/support/fake-engine.ts')).clientModule());

const { generate, setParams, MAX_SEED } = await import('./generation.ts');
const { loadModel } = await import('./models.ts');
const { applyInfotext } = await import('./png-info.ts');

const gen = () => useStudio.getState().generation;
const lastRequest = () => engine.generate.mock.calls.at(-1)![0];
const options = { sampler: 'Euler a', scheduleType: 'Karras', clipSkip: 2, ensd: 31337, variationSeed: 7, variationStrength: 0.4, seedResizeWidth: 48, seedResizeHeight: 80 };

beforeEach(async () => {
  resetStudio();
  resetEngine();
  await loadModel(DEMO_MODEL, 'wasm');
  setParams({ randomSeed: false, seed: 42, steps: 8 });
});

describe('sampling options', () => {
  it('go into the request: schedule type, clip skip, ENSD, variation seed and strength, resize seed from', async () => {
    setParams(options);
    await generate();
    expect(lastRequest()).toMatchObject({ sampler: 'Euler a', scheduleType: 'Karras', clipSkip: 2, ensd: 31337, variationSeed: 7, variationStrength: 0.4, seedResizeFrom: { width: 48, height: 80 } });
  });

  it('batch size: the request asks for it; every image comes back with its own seed and file name', async () => {
    setParams({ batchCount: 2, batchSize: 3 });
    await generate();
    expect(lastRequest()).toMatchObject({ batchCount: 2, batchSize: 3 });
    expect(gen().results.map((r) => r.fileName.replace(/^\d{5}-/, ''))).toEqual(['42.png', '43.png', '44.png', '45.png', '46.png', '47.png']);
    expect(gen().progress).toBeNull();
    expect(gen().results.map((r) => /Seed: (\d+)/.exec(r.infotext)?.[1])).toEqual(['42', '43', '44', '45', '46', '47']);
  });

  it('leave the variation and resize fields out while they are off', async () => {
    setParams({ variationSeed: 7, variationStrength: 0, seedResizeWidth: 0, seedResizeHeight: 0 });
    await generate();
    expect(lastRequest()).not.toHaveProperty('variationSeed');
    expect(lastRequest()).not.toHaveProperty('variationStrength');
    expect(lastRequest()).not.toHaveProperty('seedResizeFrom');
  });

  it('draw a fresh variation seed per run when the field is -1', async () => {
    setParams({ variationSeed: -1, variationStrength: 0.5 });
    await generate();
    await generate();
    const drawn = engine.generate.mock.calls.map((c) => c[0].variationSeed!);
    for (const v of drawn) expect(v >= 0 && v <= MAX_SEED && Number.isInteger(v)).toBe(true);
    expect(drawn[0]).not.toBe(drawn[1]);
    expect(gen().lastVariationSeed).toBe(drawn[1]);
    expect(gen().params.variationSeed).toBe(-1);
  });

  it('come back from the image infotext through PNG Info ("Send to txt2img")', async () => {
    setParams(options);
    await generate();
    const { infotext } = gen().results[0]!;
    expect(infotext).toContain('Schedule type: Karras');
    expect(infotext).toContain('Clip skip: 2, ENSD: 31337');
    setParams({ ...initialParams, ensd: 5 });
    const report = applyInfotext(infotext, 'x.png');
    expect(gen().params).toMatchObject({ ...options, seed: 42, randomSeed: false });
    expect(report.restored).toEqual(expect.arrayContaining(['Schedule type', 'Clip skip', 'ENSD', 'Variation seed', 'Variation seed strength', 'Seed resize from']));
    expect(report.unapplied).toEqual([]);
  });

  it('list what they cannot apply (an upscaler the app lacks, other extensions\' keys) in the report', () => {
    const report = applyInfotext('p\nSteps: 20, Sampler: Euler, CFG scale: 7, Seed: 1, Size: 64x64, Denoising strength: 0.5, Clip skip: 2, Hires upscale: 2, Hires upscaler: R-ESRGAN 4x+, ADetailer model: face_yolov8n.pt', 'x.png');
    expect(report.unapplied).toEqual([
      { key: 'Hires upscaler', value: 'R-ESRGAN 4x+' },
      { key: 'ADetailer model', value: 'face_yolov8n.pt' },
    ]);
    expect(report.notes.join(' ')).toContain('Hires upscaler "R-ESRGAN 4x+" is not available here');
  });

  it('notes a clip skip beyond the loaded model', () => {
    const report = applyInfotext('p\nSteps: 20, Sampler: Euler, CFG scale: 7, Seed: 1, Size: 64x64, Clip skip: 4', 'x.png');
    expect(gen().params.clipSkip).toBe(4);
    expect(report.notes.join(' ')).toContain('Clip skip 4 is more than');
  });
});
