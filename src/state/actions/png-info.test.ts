/** PNG Info on hostile PNGs: read in the parse worker's code, skipped chunks said plainly, nothing applied out of range. */
import { describe, expect, it } from 'vitest';
import { zlibBomb } from '../../../test/hostile/deflate-bomb.ts';
import { pngWith, tEXt, zTXt } from '../../../test/hostile/png-writer.ts';
import { useStudio } from '../store.ts';
import { importPngInfo, sendPngInfo } from './png-info.ts';

const file = (bytes: Uint8Array, name = 'x.png') => new File([bytes as Uint8Array<ArrayBuffer>], name, { type: 'image/png' });
const report = () => useStudio.getState().session.pngInfo;

describe('PNG Info on hostile files', () => {
  it('reads parameters from zTXt (other tools) and restores them', async () => {
    await importPngInfo(file(pngWith([zTXt('parameters', 'a red cat\nSteps: 12, Sampler: Euler, CFG scale: 5, Seed: 7, Size: 64x64')])));
    expect(useStudio.getState().session.pngInfoPreview).toMatchObject({ parameters: 'a red cat\nSteps: 12, Sampler: Euler, CFG scale: 5, Seed: 7, Size: 64x64' });
    await sendPngInfo('txt2img');
    expect(report()).toMatchObject({ ok: true, restored: expect.arrayContaining(['Steps', 'Seed']) });
    expect(useStudio.getState().generation.params).toMatchObject({ prompt: 'a red cat', steps: 12, seed: 7 });
  });

  it('says which chunk was skipped when the parameters are a decompression bomb', async () => {
    await importPngInfo(file(pngWith([zTXt('parameters', '', zlibBomb(64 << 20))]), 'bomb.png'));
    expect(report()).toMatchObject({ fileName: 'bomb.png', ok: false });
    expect(report()!.notes.join(' ')).toMatch(/Skipped the "parameters" zTXt chunk: .*limit|reader accepts/);
  });

  it('does not restore values generation would refuse', async () => {
    const before = useStudio.getState().generation.params;
    await importPngInfo(file(pngWith([tEXt('parameters', 'p\nSteps: 1000000000000000000000, Sampler: Euler, Seed: 99999999999, Size: 999999x64, CFG scale: 7')])));
    // the preview says so before anything is applied
    expect(useStudio.getState().session.pngInfoPreview!.notes.filter((n) => n.includes('is outside'))).toHaveLength(3);
    await sendPngInfo('txt2img');
    const after = useStudio.getState().generation.params;
    expect([after.steps, after.seed, after.width]).toEqual([before.steps, before.seed, before.width]);
    expect(after.cfgScale).toBe(7);
    expect(report()!.notes.filter((n) => n.includes('is outside'))).toHaveLength(3);
  });

  it('reports a file that is not a PNG without throwing', async () => {
    await importPngInfo(file(new Uint8Array([1, 2, 3]), 'fake.png'));
    expect(report()).toMatchObject({ ok: false, notes: [expect.stringContaining('not a PNG')] });
  });
});
