/** The session across a reload: form, stack and strengths (localStorage), files (IndexedDB), gallery (OPFS). */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { EngineApi, EngineFile, HypernetworkCard } from '../../engine/api.ts';
import { MemoryFs } from '../../core/storage/memory-fs.ts';
import { GalleryStore } from '../../storage/gallery-store.ts';
import type { HypernetworkLibrary, StoredHypernetwork } from '../../storage/hypernetwork-store.ts';
import { DEMO_MODEL } from '../model-types.ts';
import { resetStudio, useStudio } from '../store.ts';
import { engine, resetEngine } from '../../../test/support/fake-engine.ts';

const inspect = vi.fn<EngineApi['inspectHypernetwork']>();
vi.mock('../../engine/client.ts', async () => {
  const { clientModule, engine } = await import('../../../test/support/fake-engine.ts');
  return clientModule(() => ({ ...engine, inspectHypernetwork: inspect }));
});

const { addHypernetworkFiles, setHypernetworkLibrary } = await import('./hypernetworks.ts');
const stack = { ...(await import('./stack.ts')), ...(await import('./stack-sync.ts')) };
const { generate, resetImageCounter, setParams } = await import('./generation.ts');
const { setPrompt } = await import('./prompt.ts');
const { loadModel } = await import('./models.ts');
const { setGalleryStore } = await import('./gallery.ts');
const { setSweepText } = await import('./sweep.ts');
const { restoreSession, setSessionStorage } = await import('./session.ts');

const card = (file: EngineFile) => ({ name: file.name, sizes: [128, 64, 96], fileName: file.name }) as unknown as HypernetworkCard;
const state = () => useStudio.getState();
const idOf = (fileName: string) => state().hypernetworks.find((e) => e.fileName === fileName)?.id ?? '';

function memoryLibrary(): HypernetworkLibrary {
  const records = new Map<string, StoredHypernetwork>();
  return {
    list: async () => [...records.values()].sort((a, b) => a.addedAt - b.addedAt),
    put: async (r) => void records.set(r.key, r),
    rename: async (key, name) => void (records.has(key) && records.set(key, { ...records.get(key)!, name })),
    remove: async (key) => void records.delete(key),
  };
}

let kv: Map<string, string>;
let stop: () => void = () => undefined;

/** a reload: the store is empty, what the browser kept is not */
async function reload(): Promise<void> {
  stop();
  resetStudio();
  resetImageCounter();
  stop = await restoreSession();
  await loadModel(DEMO_MODEL, 'wasm');
  await stack.whenStackSynced();
}

beforeEach(async () => {
  stop();
  resetStudio();
  resetImageCounter();
  resetEngine();
  kv = new Map();
  setSessionStorage({ getItem: (k) => kv.get(k) ?? null, setItem: (k, v) => void kv.set(k, v) });
  setHypernetworkLibrary(memoryLibrary());
  setGalleryStore(new GalleryStore(new MemoryFs()));
  inspect.mockReset().mockImplementation(async (f) => card(f));
  stop = await restoreSession();
  await loadModel(DEMO_MODEL, 'wasm');
});

describe('a reload keeps the session', () => {
  it('the form, the stack in order with its strengths and on/off switches, the sweep', async () => {
    await addHypernetworkFiles([new File(['PK stripes'], 'stripes.pt'), new File(['PK invert'], 'invert.pt'), new File(['PK other'], 'other.pt')]);
    setParams({ negativePrompt: 'blurry', sampler: 'DPM++ 2M Karras', steps: 12, cfgScale: 5.5, seed: 777, randomSeed: false, width: 48, height: 32, batchCount: 2 });
    setPrompt('a cat <hypernet:invert:0.35> <hypernet:stripes:-0.8>');
    stack.addToStack(idOf('other.pt'), 1.7);
    stack.setEnabled(idOf('other.pt'), false);
    setSweepText('0, 0.5');
    const before = { params: state().generation.params, stack: state().stack.entries.map((e) => [state().hypernetworks.find((h) => h.id === e.id)?.fileName, e.enabled, e.strength]) };
    expect(before.stack).toEqual([['invert.pt', true, 0.35], ['stripes.pt', true, -0.8], ['other.pt', false, 1.7]]);

    await reload();
    expect(state().generation.params).toEqual(before.params);
    expect(state().stack.entries.map((e) => [state().hypernetworks.find((h) => h.id === e.id)?.fileName, e.enabled, e.strength])).toEqual(before.stack);
    expect(state().session.sweep.text).toBe('0, 0.5');
    // and the engine gets that stack
    expect(engine.setHypernetworks.mock.lastCall![0].map((s) => [s.name, s.strength])).toEqual([['invert', 0.35], ['stripes', -0.8]]);
  });

  it('the gallery, its images and parameters, and the file counter continues', async () => {
    setParams({ seed: 5, randomSeed: false, batchCount: 2 });
    await generate();
    await vi.waitFor(() => expect(state().session.galleryKept).toEqual({ state: 'kept' }));
    const before = state().session.gallery;
    await reload();
    const after = state().session.gallery;
    expect(after.map((g) => [g.fileName, g.infotext, g.rgba.length])).toEqual(before.map((g) => [g.fileName, g.infotext, g.rgba.length]));
    expect(Array.from(after[0]!.rgba.subarray(0, 4))).toEqual([200, 200, 200, 200]);
    await generate();
    expect(state().session.gallery.slice(-2).map((g) => g.fileName)).toEqual(['00003-5.png', '00004-6.png']);
  });

  it('a damaged record is ignored field by field', async () => {
    kv.set('hnstudio.session.v1', JSON.stringify({ prompt: 42, steps: 9, stack: [{ sha256: 'nope' }], width: 'wide' }));
    await reload();
    expect(state().generation.params).toMatchObject({ prompt: 'a small red circle on the left, white background', steps: 9, width: 64 });
    expect(state().stack.entries).toEqual([]);
  });
});
