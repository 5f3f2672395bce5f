/** Live mode, strength sweeps, the gallery and PNG Info against the scripted engine stand-in. */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { EngineApi, EngineFile, GenerateRequest, HypernetworkCard } from '../../engine/api.ts';
import { encodePng } from '../../core/formats/png.ts';
import { DEMO_MODEL } from '../model-types.ts';
import { resetStudio, useStudio } from '../store.ts';
import { deferred, engine, fakeResponse, resetEngine } from '../../../test/support/fake-engine.ts';

const inspect = vi.fn<EngineApi['inspectHypernetwork']>();

vi.mock('../../engine/client.ts', async () => {
  const { clientModule, engine } = await import('../../../test/support/fake-engine.ts');
  return clientModule(() => ({ ...engine, inspectHypernetwork: inspect }));
});

const { addHypernetworkFiles } = await import('./hypernetworks.ts');
const stack = { ...(await import('./stack.ts')), ...(await import('./stack-sync.ts')) };
const { setPrompt } = await import('./prompt.ts');
const { generate, setParams, whenIdle } = await import('./generation.ts');
const { loadModel } = await import('./models.ts');
const { runSweep, setSweepText, setSweepTarget, sweepBlocker } = await import('./sweep.ts');
const { commitStrengthChange, resetLive, setLiveMode, whenLiveSettled } = await import('./live.ts');
const { addDroppedFiles, applyInfotext, dismissPngInfo, sendPngInfo } = await import('./png-info.ts');

const card = (file: EngineFile) => ({ name: file.name, sizes: [128, 64, 96], fileName: file.name }) as unknown as HypernetworkCard;
const state = () => useStudio.getState();
const idOf = (fileName: string) => state().hypernetworks.find((e) => e.fileName === fileName)?.id ?? '';

/** the engine's answer to a sweep: one image per strength, and how it ran */
function sweepResponse(request: GenerateRequest) {
  const strengths = request.sweep!.strengths;
  const base = fakeResponse({ ...request, batchCount: strengths.length });
  return {
    ...base,
    images: base.images.map((img, k) => ({ ...img, seed: request.seed, strength: strengths[k]! })),
    sweep: { mode: 'batched' as const, reason: 'test', index: request.sweep!.index, strengths, unetCalls: request.steps, hypernetwork: 'invert' },
  };
}

beforeEach(async () => {
  resetStudio();
  resetEngine();
  resetLive();
  inspect.mockReset().mockImplementation(async (f) => card(f));
  await loadModel(DEMO_MODEL, 'wasm');
  await addHypernetworkFiles([new File(['PK stripes'], 'stripes.pt'), new File(['PK invert'], 'invert.pt')]);
  stack.addToStack(idOf('stripes.pt'), 1);
  stack.addToStack(idOf('invert.pt'), 0.5);
  await stack.whenStackSynced();
  setParams({ randomSeed: false, seed: 42, steps: 5 });
});

describe('strength sweep', () => {
  it('asks the engine for one request with the swept entry and the strengths, batch count 1', async () => {
    engine.generate.mockImplementation(async (r) => sweepResponse(r));
    setSweepTarget(idOf('invert.pt'));
    setSweepText('0, 0.5, 1, 1.5');
    await runSweep();
    const request = engine.generate.mock.lastCall![0];
    expect(request).toMatchObject({ seed: 42, batchCount: 1, sweep: { index: 1, strengths: [0, 0.5, 1, 1.5] } });
    const g = state().generation;
    expect(g.results.map((r) => r.strength)).toEqual([0, 0.5, 1, 1.5]);
    expect(g.summary?.sweep).toMatchObject({ mode: 'batched', unetCalls: 5, hypernetwork: 'invert' });
    // the gallery keeps them, labelled
    expect(state().session.gallery.map((i) => i.sweep)).toEqual([0, 0.5, 1, 1.5].map((strength) => ({ hypernetwork: 'invert', strength })));
  });

  it('says why it cannot run: a bad list, an empty stack', async () => {
    setSweepText('0, half');
    expect(sweepBlocker(state())).toBe('"half" is not a number.');
    await runSweep();
    expect(engine.generate).not.toHaveBeenCalled();
    setSweepText('0, 1');
    stack.clearStack();
    expect(sweepBlocker(state())).toContain('Add a hypernetwork to the stack');
  });
});

describe('a hypernetwork that matches no width of the model', () => {
  it('is never sent to the engine (no rebuild, not in the PNG) and a sweep over it is refused with the reason', async () => {
    inspect.mockImplementationOnce(async (f) => ({ ...card(f), sizes: [768, 320, 640, 1280] }));
    await addHypernetworkFiles([new File(['PK sd1'], 'sd1-style.pt')]);
    const built = state().stack.applied!.info.sessionCreations;
    engine.setHypernetworks.mockClear();
    stack.addToStack(idOf('sd1-style.pt'));
    await stack.whenStackSynced();
    expect(engine.setHypernetworks).not.toHaveBeenCalled();
    expect(state().stack.applied!.info.sessionCreations).toBe(built);
    expect(stack.entryMismatch(state(), idOf('sd1-style.pt'))).toBe(
      "Matches no width of sd-shapes-demo: the file has 768/320/640/1280, the model's attention layers take 64/96/128. It would change nothing, so it is not applied.",
    );
    setSweepTarget(idOf('sd1-style.pt'));
    expect(sweepBlocker(state())).toMatch(/^Cannot sweep it: matches no width of sd-shapes-demo: .* Every image would be the same\.$/);
    await runSweep();
    expect(engine.generate).not.toHaveBeenCalled();
    // the others still sweep
    setSweepTarget(idOf('invert.pt'));
    expect(sweepBlocker(state())).toBeNull();
    // PNG Info naming it says it changes nothing here
    const report = applyInfotext('a cat <hypernet:sd1-style:0.5>\nSteps: 5, Seed: 1', 'x.png');
    expect(report.notes).toContainEqual(expect.stringMatching(/^sd1-style: Matches no width of sd-shapes-demo/));
  });
});

describe('live mode', () => {
  it('turning it on fixes the seed; a committed strength change re-generates with no session rebuild', async () => {
    setParams({ randomSeed: true });
    setLiveMode(true);
    expect(state().generation.params.randomSeed).toBe(false);
    const built = state().stack.applied!.info.sessionCreations;
    stack.setStrength(idOf('stripes.pt'), 0.25);
    commitStrengthChange();
    await whenLiveSettled();
    expect(engine.generate).toHaveBeenCalledTimes(1);
    expect(state().stack.applied!.strengths).toEqual([0.25, 0.5]);
    expect(state().stack.applied!.info.sessionCreations).toBe(built);
    expect(state().generation.results).toHaveLength(1);
  });

  it('a commit during a run cancels it and starts one new run; the old images stay until then', async () => {
    setLiveMode(true);
    await generate();
    const first = state().generation.results;
    const run = deferred<void>();
    engine.generate.mockImplementationOnce(async () => {
      await run.promise;
      throw Object.assign(new Error('Generation was cancelled.'), { name: 'StudioError', code: 'cancelled' });
    });
    engine.cancel.mockImplementation(async () => run.resolve());
    stack.setStrength(idOf('stripes.pt'), 0.3);
    commitStrengthChange();
    await vi.waitFor(() => expect(state().generation.status).toBe('running'));
    expect(state().session.liveRun).toBe(true);
    expect(state().generation.results).toBe(first); // still shown
    stack.setStrength(idOf('stripes.pt'), 0.6);
    commitStrengthChange();
    await whenLiveSettled();
    await whenIdle();
    expect(engine.cancel).toHaveBeenCalledTimes(1);
    expect(engine.generate).toHaveBeenCalledTimes(3);
    expect(state().generation.error).toBeNull(); // a superseded run is not a "cancelled" notice
    expect(state().stack.applied!.strengths).toEqual([0.6, 0.5]);
    expect(state().session.liveRun).toBe(false);
  });

  it('a strength typed in a prompt tag re-generates too, once typing pauses', async () => {
    setLiveMode(true);
    setPrompt(`${state().generation.params.prompt.replace('<hypernet:stripes:1>', '<hypernet:stripes:0.2>')}`);
    setPrompt(`${state().generation.params.prompt.replace('<hypernet:stripes:0.2>', '<hypernet:stripes:0.25>')}`);
    await whenLiveSettled();
    expect(engine.generate).toHaveBeenCalledTimes(1);
    expect(state().stack.applied!.strengths).toEqual([0.25, 0.5]);
    // other prompt edits are not strength changes
    setPrompt(`${state().generation.params.prompt} more words`);
    await whenLiveSettled();
    expect(engine.generate).toHaveBeenCalledTimes(1);
  });

  it('off, or with a random seed: commits do nothing', async () => {
    commitStrengthChange();
    setLiveMode(true);
    setParams({ randomSeed: true });
    commitStrengthChange();
    await whenLiveSettled();
    expect(engine.generate).not.toHaveBeenCalled();
  });
});

describe('PNG Info', () => {
  const text = 'a cat <hypernet:invert:0.75> <hypernet:anime:1>\nNegative prompt: blurry\nSteps: 12, Sampler: DPM++ 2M, Schedule type: Karras, CFG scale: 5.5, Seed: 777, Size: 64x48, Model hash: 6671d78dee, Model: sd-shapes-demo';

  it('restores the form, sets the stack from the tags, switches the others off and names the missing ones', async () => {
    const report = applyInfotext(text, 'a.png');
    await stack.whenStackSynced();
    expect(state().generation.params).toMatchObject({ prompt: 'a cat <hypernet:invert:0.75> <hypernet:anime:1>', negativePrompt: 'blurry', steps: 12, sampler: 'DPM++ 2M', cfgScale: 5.5, seed: 777, randomSeed: false, width: 64, height: 48 });
    expect(report).toMatchObject({ ok: true, missing: ['anime'], applied: [{ name: 'invert', strength: 0.75 }], notes: [] });
    const entries = state().stack.entries;
    expect(entries.find((e) => e.id === idOf('invert.pt'))).toMatchObject({ enabled: true, strength: 0.75 });
    expect(entries.find((e) => e.id === idOf('stripes.pt'))).toMatchObject({ enabled: false });
  });

  it('a dropped PNG goes to PNG Info, a .pt to the library; a PNG without parameters says so', async () => {
    const png = encodePng({ width: 1, height: 1, data: new Uint8ClampedArray(4) }, { parameters: text });
    await addDroppedFiles([new File([png as Uint8Array<ArrayBuffer>], 'x.png', { type: 'image/png' }), new File(['PK more'], 'more.pt')]);
    // read and shown, nothing applied yet (A1111's PNG Info tab)
    expect(state().session.pngInfoPreview).toMatchObject({
      fileName: 'x.png',
      parameters: text,
      willSet: expect.arrayContaining(['Prompt', 'Steps', 'Sampler', 'Seed', 'Size']),
      hypernets: [
        { name: 'invert', strength: 0.75, present: true },
        { name: 'anime', strength: 1, present: false },
      ],
    });
    expect(state().session.pngInfo).toBeNull();
    expect(state().generation.params.seed).not.toBe(777);
    expect(state().hypernetworks.map((e) => e.fileName)).toContain('more.pt');
    await sendPngInfo('txt2img');
    expect(state().session.pngInfoPreview).toBeNull();
    expect(state().session.pngInfo).toMatchObject({ fileName: 'x.png', ok: true, missing: ['anime'] });
    expect(state().generation.params).toMatchObject({ seed: 777, steps: 12, mode: 'txt2img' });
    const bare = encodePng({ width: 1, height: 1, data: new Uint8ClampedArray(4) });
    await addDroppedFiles([new File([bare as Uint8Array<ArrayBuffer>], 'bare.png', { type: 'image/png' })]);
    expect(state().session.pngInfo).toMatchObject({ ok: false, notes: [expect.stringContaining('no A1111 "parameters"')] });
    expect(state().session.pngInfoPreview).toBeNull();
  });

  it('Send to img2img applies the parameters, opens img2img and makes the PNG the input image; Dismiss applies nothing', async () => {
    const png = encodePng({ width: 2, height: 1, data: new Uint8ClampedArray(8).fill(200) }, { parameters: `${text}, Denoising strength: 0.4` });
    const file = new File([png as Uint8Array<ArrayBuffer>], 'in.png', { type: 'image/png' });
    await addDroppedFiles([file]);
    dismissPngInfo();
    expect(state().session.pngInfoPreview).toBeNull();
    expect(state().generation.params.seed).not.toBe(777);
    await sendPngInfo('img2img'); // nothing pending after Dismiss
    expect(state().generation.params.mode).toBe('txt2img');

    await addDroppedFiles([file]);
    const decoded: Blob[] = [];
    const decoder = async (blob: Blob) => {
      decoded.push(blob);
      return { width: 2, height: 1, pixels: () => ({ width: 2, height: 1, data: new Uint8ClampedArray(8).fill(200) }), close: () => {} };
    };
    await sendPngInfo('img2img', decoder);
    expect(decoded).toEqual([file]);
    expect(state().generation.params).toMatchObject({ mode: 'img2img', seed: 777, denoisingStrength: 0.4 });
    expect(state().generation.initImage).toMatchObject({ name: 'in.png', image: { width: 2, height: 1 } });
    expect(state().session.pngInfo!.notes.join(' ')).toContain('the PNG itself is the input image now');
  });

  it('a hires PNG sent to img2img: its Denoising strength is img2img\'s, the hires fix stays txt2img\'s and is listed', async () => {
    setParams({ hiresEnabled: false, denoisingStrength: 0.75 });
    const hires = `${text}, Denoising strength: 0.35, Hires upscale: 2, Hires steps: 4, Hires upscaler: Latent`;
    const png = encodePng({ width: 1, height: 1, data: new Uint8ClampedArray(4) }, { parameters: hires });
    await addDroppedFiles([new File([png as Uint8Array<ArrayBuffer>], 'hires.png', { type: 'image/png' })]);
    const decoder = async () => ({ width: 1, height: 1, pixels: () => ({ width: 1, height: 1, data: new Uint8ClampedArray(4) }), close: () => {} });
    await sendPngInfo('img2img', decoder);
    expect(state().generation.params).toMatchObject({ mode: 'img2img', denoisingStrength: 0.35, hiresEnabled: false, seed: 777 });
    expect(state().session.pngInfo!.unapplied!.map((u) => u.key)).toEqual(['Hires upscale', 'Hires steps', 'Hires upscaler']);
    // the same PNG sent to txt2img switches the hires fix on with its strength
    await addDroppedFiles([new File([png as Uint8Array<ArrayBuffer>], 'hires.png', { type: 'image/png' })]);
    await sendPngInfo('txt2img');
    expect(state().generation.params).toMatchObject({ mode: 'txt2img', hiresEnabled: true, hiresDenoisingStrength: 0.35, hiresSteps: 4, denoisingStrength: 0.35 });
  });
});
