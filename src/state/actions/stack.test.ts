import { beforeEach, describe, expect, it, vi } from 'vitest';
import { StudioError } from '../../core/errors.ts';
import type { EngineApi, EngineFile, HypernetworkCard } from '../../engine/api.ts';
import { DEMO_MODEL } from '../model-types.ts';
import { reachText, stackReach } from '../stack-reach.ts';
import { resetStudio, useStudio } from '../store.ts';
import { deferred, engine, fakeResponse, fakeStack, resetEngine } from '../../../test/support/fake-engine.ts';

const inspect = vi.fn<EngineApi['inspectHypernetwork']>();

vi.mock('../../engine/client.ts', async () => {
  const { clientModule, engine } = await import('../../../test/support/fake-engine.ts');
  return clientModule(() => ({ ...engine, inspectHypernetwork: inspect }));
});

const { addHypernetworkFiles, removeHypernetwork, clearHypernetworks } = await import('./hypernetworks.ts');
const stack = { ...(await import('./stack.ts')), ...(await import('./stack-sync.ts')), ...(await import('./prompt.ts')) };
const { generate, setParams } = await import('./generation.ts');
const { setPrompt } = stack;
const { loadModel } = await import('./models.ts');

function cardFor(file: EngineFile): HypernetworkCard {
  return {
    name: `internal-${file.name}`,
    step: 1,
    sdCheckpoint: null,
    sdCheckpointName: null,
    sizes: [128, 64, 96],
    layerStructure: [1, 2, 1],
    activation: 'linear',
    layerNorm: false,
    activateOutput: false,
    dropoutStructure: [0, 0, 0],
    dtype: 'float32',
    parameters: 10,
    layers: {},
    fileName: file.name,
    fileSize: file.bytes.byteLength,
    sizeRoles: {},
    warnings: [],
    optionalInfo: null,
    legacyKeys: false,
  };
}

/** distinct bytes per name: the same bytes are the same file */
const file = (name: string) => new File([`PK ${name}`], name);
const state = () => useStudio.getState();
const entries = () => state().stack.entries;
const prompt = () => state().generation.params.prompt;
/** entry id of a file name */
const idOf = (fileName: string) => state().hypernetworks.find((e) => e.fileName === fileName)?.id ?? '';
/** the last stack the engine was given, by file name */
const lastSent = () => (engine.setHypernetworks.mock.lastCall?.[0] ?? []).map((s) => [state().hypernetworks.find((e) => e.id === s.id)?.fileName, s.strength]);

beforeEach(async () => {
  resetStudio();
  resetEngine();
  inspect.mockReset().mockImplementation(async (f) => cardFor(f));
  await loadModel(DEMO_MODEL, 'wasm');
  await stack.whenStackSynced();
  engine.setHypernetworks.mockClear();
});

async function library(...names: string[]): Promise<void> {
  await addHypernetworkFiles(names.map(file));
  await stack.whenStackSynced();
}

describe('the library and the engine', () => {
  it('inspects each file under its entry id so the engine keeps it for the stack', async () => {
    await library('stripes.pt', 'invert.pt');
    expect(inspect.mock.calls.map((c) => c[1])).toEqual([idOf('stripes.pt'), idOf('invert.pt')]);
  });

  it('removing a file takes it out of the stack first, then the engine forgets it', async () => {
    await library('stripes.pt', 'invert.pt');
    const id = idOf('stripes.pt');
    stack.addToStack(id);
    stack.addToStack(idOf('invert.pt'));
    await stack.whenStackSynced();
    await removeHypernetwork(id);
    expect(lastSent()).toEqual([['invert.pt', 1]]);
    expect(engine.forgetHypernetwork).toHaveBeenCalledWith(id);
    const order = (fn: { mock: { invocationCallOrder: number[] } }) => fn.mock.invocationCallOrder.at(-1) ?? 0;
    expect(order(engine.forgetHypernetwork)).toBeGreaterThan(order(engine.setHypernetworks));
    await clearHypernetworks();
    expect(entries()).toEqual([]);
    expect(lastSent()).toEqual([]);
  });
});

describe('syncing with the engine', () => {
  it('adding rebuilds ("compiling"), then shows what each entry touches', async () => {
    await library('stripes.pt');
    const call = deferred<Awaited<ReturnType<EngineApi['setHypernetworks']>>>();
    engine.setHypernetworks.mockImplementationOnce(async (s, onProgress) => {
      onProgress?.({ phase: 'compile', model: 'U-Net' });
      const info = fakeStack.set(s);
      return call.promise.then(() => info);
    });
    stack.addToStack(idOf('stripes.pt'));
    await vi.waitFor(() => expect(engine.setHypernetworks).toHaveBeenCalledTimes(1));
    expect(state().stack.sync).toBe('compiling');
    call.resolve(undefined as never);
    await stack.whenStackSynced();
    const { applied, sync } = state().stack;
    expect(sync).toBe('idle');
    expect(applied?.ids).toEqual([idOf('stripes.pt')]);
    expect(reachText(stackReach(applied!.info, 0))).toBe('128 → 5 cross-attention layers; 64/96 → 5 self-attention layers');
  });

  it('a strength change is one cheap call: no rebuild, the session counter stays; a burst coalesces', async () => {
    await library('stripes.pt');
    const id = idOf('stripes.pt');
    stack.addToStack(id);
    await stack.whenStackSynced();
    const sessions = state().stack.applied?.info.sessionCreations;
    engine.setHypernetworks.mockClear();
    for (const s of [0.1, 0.2, 0.3, 0.4, 0.5]) stack.setStrength(id, s);
    await stack.whenStackSynced();
    expect(engine.setHypernetworks.mock.calls.length).toBeLessThanOrEqual(2);
    expect(lastSent()).toEqual([['stripes.pt', 0.5]]);
    expect(state().stack.applied?.info).toMatchObject({ rebuilt: false, sessionCreations: sessions });
  });

  it('accepts any finite strength from the number field and ignores NaN/Infinity', async () => {
    await library('stripes.pt');
    const id = idOf('stripes.pt');
    stack.addToStack(id);
    stack.setStrength(id, -7.5);
    stack.setStrength(id, NaN);
    stack.setStrength(id, Infinity);
    await stack.whenStackSynced();
    expect(entries()[0]?.strength).toBe(-7.5);
    expect(lastSent()).toEqual([['stripes.pt', -7.5]]);
  });

  it('sends only enabled entries, in panel order; moving and toggling change the set', async () => {
    await library('a.pt', 'b.pt', 'c.pt');
    for (const n of ['a.pt', 'b.pt', 'c.pt']) stack.addToStack(idOf(n));
    stack.setEnabled(idOf('b.pt'), false);
    await stack.whenStackSynced();
    expect(lastSent()).toEqual([['a.pt', 1], ['c.pt', 1]]);
    stack.moveStackEntryBy(idOf('c.pt'), -1);
    stack.moveStackEntryBy(idOf('c.pt'), -1);
    stack.moveStackEntryBy(idOf('c.pt'), -1); // already first: nothing
    await stack.whenStackSynced();
    expect(entries().map((e) => e.id)).toEqual([idOf('c.pt'), idOf('a.pt'), idOf('b.pt')]);
    expect(lastSent()).toEqual([['c.pt', 1], ['a.pt', 1]]);
    stack.moveStackEntry(idOf('b.pt'), 0);
    stack.setEnabled(idOf('b.pt'), true);
    await stack.whenStackSynced();
    expect(lastSent()).toEqual([['b.pt', 1], ['c.pt', 1], ['a.pt', 1]]);
    stack.clearStack();
    await stack.whenStackSynced();
    expect(lastSent()).toEqual([]);
    expect(state().stack.applied?.ids).toEqual([]);
  });

  it('shows an engine refusal and retries on the next change', async () => {
    await library('a.pt');
    engine.setHypernetworks.mockRejectedValueOnce(new StudioError('fused-attention', 'This U-Net fuses attention.'));
    stack.addToStack(idOf('a.pt'));
    await stack.whenStackSynced();
    expect(state().stack.error).toMatchObject({ code: 'fused-attention' });
    stack.setStrength(idOf('a.pt'), 0.5);
    await stack.whenStackSynced();
    expect(state().stack.error).toBeNull();
    expect(lastSent()).toEqual([['a.pt', 0.5]]);
  });

  it('without a ready model nothing is sent; the load sends the stack', async () => {
    resetStudio();
    resetEngine();
    await library('a.pt');
    stack.addToStack(idOf('a.pt'));
    await stack.whenStackSynced();
    expect(engine.setHypernetworks).not.toHaveBeenCalled();
    await loadModel(DEMO_MODEL, 'wasm');
    await stack.whenStackSynced();
    expect(lastSent()).toEqual([['a.pt', 1]]);
  });
});

describe('generate and the stack', () => {
  const fixed = { randomSeed: false, seed: 42, steps: 2 };

  it('applies a changed stack before the run, never during it', async () => {
    await library('a.pt');
    stack.addToStack(idOf('a.pt'));
    setParams(fixed);
    await generate();
    const [apply] = engine.setHypernetworks.mock.invocationCallOrder.slice(-1);
    expect(apply).toBeLessThan(engine.generate.mock.invocationCallOrder[0]!);

    // a slider moved during a run waits for its end (the engine refuses stack changes while it generates)
    await stack.whenStackSynced();
    const run = deferred<Awaited<ReturnType<EngineApi['generate']>>>();
    engine.generate.mockImplementationOnce(() => run.promise);
    const done = generate();
    await vi.waitFor(() => expect(engine.generate).toHaveBeenCalledTimes(2));
    engine.setHypernetworks.mockClear();
    stack.setStrength(idOf('a.pt'), 0.25);
    await stack.whenStackSynced();
    expect(engine.setHypernetworks).not.toHaveBeenCalled();
    run.resolve(fakeResponse(engine.generate.mock.lastCall![0]));
    await done;
    await stack.whenStackSynced();
    expect(lastSent()).toEqual([['a.pt', 0.25]]);
  });

  it('a refused stack fails the run instead of generating with another stack', async () => {
    await library('a.pt');
    stack.addToStack(idOf('a.pt'));
    await stack.whenStackSynced();
    stack.setStrength(idOf('a.pt'), 2);
    engine.setHypernetworks.mockRejectedValue(new StudioError('bad-request', 'Hypernetwork hn-1 is not loaded in the engine.'));
    engine.generate.mockClear();
    setParams(fixed);
    await generate();
    expect(engine.generate).not.toHaveBeenCalled();
    expect(state().generation.error).toMatchObject({ code: 'bad-request' });
  });
});

describe('<hypernet:name:mult> tags', () => {
  it('the tags are the stack: each enables its file at its multiplier, in tag order; an entry without a tag is off', async () => {
    await library('stripes.pt', 'invert.pt', 'other.pt');
    stack.addToStack(idOf('other.pt'));
    setPrompt('a cat <hypernet:invert:0.5> <hypernet:stripes:-1e-1>');
    expect(entries().map((e) => [e.id, e.enabled, e.strength])).toEqual([
      [idOf('invert.pt'), true, 0.5],
      [idOf('stripes.pt'), true, -0.1],
      [idOf('other.pt'), false, 1],
    ]);
    await stack.whenStackSynced();
    expect(lastSent()).toEqual([['invert.pt', 0.5], ['stripes.pt', -0.1]]);
  });

  it('a tag without a multiplier means 1; names are exact file stems (case-sensitive, the internal name does not count)', async () => {
    await library('Stripes.pt');
    setPrompt('<hypernet:stripes> <hypernet:internal-Stripes.pt>');
    expect(entries()).toEqual([]);
    expect(stack.unknownTagNames(state())).toEqual(['stripes', 'internal-Stripes.pt']);
    setPrompt('<hypernet:Stripes>');
    expect(entries()).toEqual([{ id: idOf('Stripes.pt'), enabled: true, strength: 1 }]);
    expect(stack.unknownTagNames(state())).toEqual([]);
  });

  it('unknown names are listed and ignored; the known ones still apply', async () => {
    await library('stripes.pt');
    setPrompt('<hypernet:nosuch:1> <hypernet:stripes:0.7>');
    expect(stack.unknownTagNames(state())).toEqual(['nosuch']);
    expect(entries().map((e) => [e.id, e.strength])).toEqual([[idOf('stripes.pt'), 0.7]]);
  });

  it('an unparsable multiplier leaves the stack alone (A1111 then applies no tag)', async () => {
    await library('stripes.pt');
    setPrompt('<hypernet:stripes:0.3>');
    setPrompt('<hypernet:stripes:abc>');
    expect(entries().map((e) => e.strength)).toEqual([0.3]);
  });

  it('a file dropped after its tag was typed is selected when it is read', async () => {
    setPrompt('x <hypernet:late:0.4>');
    expect(stack.unknownTagNames(state())).toEqual(['late']);
    await library('late.pt');
    expect(entries()).toEqual([{ id: idOf('late.pt'), enabled: true, strength: 0.4 }]);
  });

  it('the slider and the number field rewrite the tag’s multiplier, keeping the rest of the prompt', async () => {
    await library('stripes.pt', 'invert.pt');
    setPrompt('a cat <hypernet:stripes:0.5>, on a mat <hypernet:invert>');
    stack.setStrength(idOf('stripes.pt'), 1.25);
    expect(prompt()).toBe('a cat <hypernet:stripes:1.25>, on a mat <hypernet:invert>');
    stack.setStrength(idOf('invert.pt'), -0.35);
    expect(prompt()).toBe('a cat <hypernet:stripes:1.25>, on a mat <hypernet:invert:-0.35>');
    // the rewritten prompt reads back as the same strengths
    expect(entries().map((e) => e.strength)).toEqual([1.25, -0.35]);
    await stack.whenStackSynced();
    expect(lastSent()).toEqual([['stripes.pt', 1.25], ['invert.pt', -0.35]]);
  });

  it('"Add to stack" writes its tag, as A1111\'s extra-network cards do; switching it on and off adds and removes it', async () => {
    await library('stripes.pt', 'invert.pt');
    setPrompt('a cat ');
    stack.addToStack(idOf('stripes.pt'));
    expect(prompt()).toBe('a cat <hypernet:stripes:1>');
    stack.setStrength(idOf('stripes.pt'), 0.2);
    stack.addToStack(idOf('invert.pt'));
    expect(prompt()).toBe('a cat <hypernet:stripes:0.2> <hypernet:invert:1>');
    stack.setEnabled(idOf('stripes.pt'), false);
    stack.setStrength(idOf('stripes.pt'), 0.3);
    expect(prompt()).toBe('a cat <hypernet:invert:1>');
    stack.setEnabled(idOf('stripes.pt'), true);
    expect(prompt()).toBe('a cat <hypernet:stripes:0.3> <hypernet:invert:1>');
  });

  it('disabling or removing a tagged entry removes its tag; deleting the tag disables the entry', async () => {
    await library('stripes.pt', 'invert.pt');
    setPrompt('a cat <hypernet:stripes:0.5> <hypernet:invert:2>');
    stack.setEnabled(idOf('stripes.pt'), false);
    expect(prompt()).toBe('a cat <hypernet:invert:2>');
    stack.removeFromStack(idOf('invert.pt'));
    expect(prompt()).toBe('a cat');
    setPrompt('a cat <hypernet:stripes:0.5>');
    expect(entries().find((e) => e.id === idOf('stripes.pt'))?.enabled).toBe(true);
    setPrompt('a cat');
    expect(entries().find((e) => e.id === idOf('stripes.pt'))?.enabled).toBe(false);
    await stack.whenStackSynced();
    expect(lastSent()).toEqual([]);
  });

  it('two different files with one stem get different names, so each tag selects one file', async () => {
    await addHypernetworkFiles([new File(['one'], 'a/dup.pt'), new File(['two'], 'b/dup.pt')]);
    const [first, second] = state().hypernetworks;
    expect([first?.name, second?.name]).toEqual([undefined, 'dup-2']);
    expect(second?.note).toMatch(/another file is already called “dup”/);
    setPrompt('<hypernet:dup-2:0.9> <hypernet:dup:0.1>');
    expect(entries().map((e) => [e.id, e.strength])).toEqual([[second?.id, 0.9], [first?.id, 0.1]]);
  });
});

describe('what an entry touches', () => {
  const info = {
    rebuilt: true,
    sessionCreations: 3,
    widths: [
      { width: 320, attn1: 6, attn2: 0, hypernetworks: [0, 1] },
      { width: 640, attn1: 5, attn2: 0, hypernetworks: [0] },
      { width: 1280, attn1: 5, attn2: 0, hypernetworks: [0] },
      { width: 768, attn1: 0, attn2: 16, hypernetworks: [0, 1] },
    ],
    unused: [{ hypernetwork: 1, width: 1024 }],
  };

  it('lists widths by role: attn2 counts are cross-attention, attn1 self-attention; missing widths are unused', () => {
    expect(reachText(stackReach(info, 0))).toBe('768 → 16 cross-attention layers; 320/640/1280 → 16 self-attention layers');
    expect(reachText(stackReach(info, 1))).toBe('768 → 16 cross-attention layers; 320 → 6 self-attention layers; 1024: unused');
    expect(reachText(stackReach({ ...info, widths: [], unused: [{ hypernetwork: 0, width: 1024 }] }, 0))).toBe('1024: unused');
  });
});

describe('tags and manual order', () => {
  it('moving a row moves its tag: the prompt (hence the PNG) keeps the order the engine applies', async () => {
    await library('stripes.pt', 'invert.pt');
    setPrompt('x <hypernet:stripes:1>, y <hypernet:invert:1>');
    stack.moveStackEntryBy(idOf('invert.pt'), -1);
    expect(prompt()).toBe('x <hypernet:invert:1>, y <hypernet:stripes:1>');
    await stack.whenStackSynced();
    expect(lastSent()).toEqual([['invert.pt', 1], ['stripes.pt', 1]]);
    // typing more keeps the order: the tags already say it
    setPrompt(`${prompt()} z`);
    expect(entries().map((e) => e.id)).toEqual([idOf('invert.pt'), idOf('stripes.pt')]);
    stack.moveStackEntry(idOf('stripes.pt'), 0);
    expect(prompt()).toBe('x <hypernet:stripes:1>, y <hypernet:invert:1> z');
  });
});
