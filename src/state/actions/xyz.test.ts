/** The X/Y/Z plot action against the engine stand-in: the calls it makes, batching, stack switches, cancel. */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { EngineApi, EngineFile, GenerateRequest, HypernetworkCard } from '../../engine/api.ts';
import { DEMO_MODEL } from '../model-types.ts';
import { resetStudio, useStudio } from '../store.ts';
import { deferred, engine, fakeResponse, resetEngine } from '../../../test/support/fake-engine.ts';

const inspect = vi.fn<EngineApi['inspectHypernetwork']>();
vi.mock('../../engine/client.ts', async () => {
  const { clientModule, engine } = await import('../../../test/support/fake-engine.ts');
  return clientModule(() => ({ ...engine, inspectHypernetwork: inspect }));
});

const { addHypernetworkFiles } = await import('./hypernetworks.ts');
const { addToStack } = await import('./stack.ts');
const { whenStackSynced } = await import('./stack-sync.ts');
const { setParams, cancelGeneration } = await import('./generation.ts');
const { loadModel } = await import('./models.ts');
const { runXyzPlot, setXyzAxis, xyzPreview } = await import('./xyz.ts');
const { resetXyz, useXyz } = await import('./xyz-state.ts');

const card = (file: EngineFile) => ({ name: file.name, sizes: [128, 64, 96], layerStructure: [1, 2, 1], fileName: file.name, sizeRoles: {}, warnings: [] }) as unknown as HypernetworkCard;
const idOf = (fileName: string) => useStudio.getState().hypernetworks.find((e) => e.fileName === fileName)!.id;
/** a sweep answers with one image per strength, as the engine does */
const answer = async (request: GenerateRequest) => {
  const single = fakeResponse(request);
  if (!request.sweep) return single;
  const { strengths, index } = request.sweep;
  const image = single.images[0]!;
  return { ...single, images: strengths.map((strength) => ({ ...image, strength })), sweep: { mode: 'batched' as const, reason: 'test', index, strengths, unetCalls: request.steps, hypernetwork: 'stripes' } };
};

beforeEach(async () => {
  resetStudio();
  resetEngine();
  resetXyz();
  inspect.mockReset().mockImplementation(async (f) => card(f));
  engine.generate.mockImplementation(answer);
  await loadModel(DEMO_MODEL, 'wasm');
  await addHypernetworkFiles([new File(['PK a'], 'stripes.pt'), new File(['PK b'], 'invert.pt')]);
  addToStack(idOf('stripes.pt'), 0.8);
  await whenStackSynced();
  setParams({ randomSeed: false, seed: 42, steps: 4 });
});

describe('X/Y/Z plot', () => {
  it('Seed × Hypernet str.: one batched sweep per seed, cells in A1111 order with their labels', async () => {
    setXyzAxis(0, { type: 'Hypernet str.', text: '0, 0.5, 1' });
    setXyzAxis(1, { type: 'Seed', text: '1-2' });
    expect(xyzPreview(useStudio.getState(), useXyz.getState())).toEqual({ ok: true, counts: [3, 2, 1], cells: 6 });
    engine.generate.mockClear();
    await runXyzPlot();
    const calls = engine.generate.mock.calls.map(([r]) => [r.seed, r.sweep?.strengths, r.batchCount]);
    expect(calls).toEqual([
      [1, [0, 0.5, 1], 1],
      [2, [0, 0.5, 1], 1],
    ]);
    const { result, error, status } = useXyz.getState();
    expect(error).toBeNull();
    expect(status).toBe('idle');
    expect(result!.labels).toEqual([['Hypernet str.: 0.0', 'Hypernet str.: 0.5', 'Hypernet str.: 1.0'], ['Seed: 1', 'Seed: 2'], ['']]);
    expect(result!.cells.map((c) => [c.ix, c.iy, c.image.seed, c.image.strength])).toEqual([
      [0, 0, 1, 0], [1, 0, 1, 0.5], [2, 0, 1, 1],
      [0, 1, 2, 0], [1, 1, 2, 0.5], [2, 1, 2, 1],
    ]);
    expect(result!.runs.map((r) => r.mode)).toEqual(['batched', 'batched']);
    expect(result!.unetCalls).toBe(8);
    expect(useStudio.getState().generation.status).toBe('idle');
  });

  it('the hypernetwork axis applies each stack once and gives the panel its stack back', async () => {
    setXyzAxis(0, { type: 'Seed', text: '1, 2' });
    setXyzAxis(1, { type: 'Hypernetwork', text: 'None, invert' });
    engine.setHypernetworks.mockClear();
    await runXyzPlot();
    await whenStackSynced();
    const sent = engine.setHypernetworks.mock.calls.map(([s]) => s.map((e) => `${e.name}:${e.strength}`).join('+'));
    expect(sent).toEqual(['', 'invert:0.8', 'stripes:0.8']);
    expect(useXyz.getState().result!.stackSwitches).toBe(2);
  });

  it('bad axis text is a bad-request error, nothing runs', async () => {
    setXyzAxis(0, { type: 'Steps', text: '1-100' });
    setXyzAxis(1, { type: 'Seed', text: '1-3' });
    engine.generate.mockClear();
    await runXyzPlot();
    expect(useXyz.getState().error).toMatchObject({ code: 'bad-request', message: 'X (Steps): at most 32 values per axis (this gives 33 or more).' });
    expect(engine.generate).not.toHaveBeenCalled();
    const max = useStudio.getState().model.info!.clipSkipMax;
    setXyzAxis(0, { type: 'Clip skip', text: `1-${max + 1}` });
    expect(xyzPreview(useStudio.getState(), useXyz.getState())).toEqual({ ok: false, error: `X (Clip skip): ${max + 1} is more than this model's ${max} text encoder layers.` });
  });

  it('cancel stops the plot and keeps the previous one', async () => {
    setXyzAxis(0, { type: 'Seed', text: '1, 2, 3' });
    setXyzAxis(1, { type: 'Nothing', text: '' });
    await runXyzPlot();
    const previous = useXyz.getState().result;
    const gate = deferred<void>();
    engine.generate.mockImplementation(async (r) => {
      await gate.promise;
      return answer(r);
    });
    const run = runXyzPlot();
    await vi.waitFor(() => expect(engine.generate).toHaveBeenCalledTimes(4));
    await cancelGeneration();
    gate.resolve();
    await run;
    expect(useXyz.getState().error).toMatchObject({ code: 'cancelled', message: 'The X/Y/Z plot was cancelled after 1 of 3 images; the previous plot is kept.' });
    expect(useXyz.getState().result).toBe(previous);
    expect(engine.generate).toHaveBeenCalledTimes(4);
  });
});
