import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { EngineApi, EngineFile, HypernetworkCard } from '../../engine/api.ts';
import type { HypernetworkLibrary, StoredHypernetwork } from '../../storage/hypernetwork-store.ts';
import { resetStudio, useStudio } from '../store.ts';

const inspect = vi.fn<EngineApi['inspectHypernetwork']>();

vi.mock('../../engine/client.ts', async () =>
  (await import('../../../test/support/fake-engine.ts')).clientModule(() => ({ inspectHypernetwork: inspect, forgetHypernetwork: async () => undefined, setHypernetworks: vi.fn() })),
);

const { addHypernetworkFiles, removeHypernetwork, renameHypernetwork, restoreHypernetworks, setHypernetworkLibrary } = await import('./hypernetworks.ts');

/** An in-memory IndexedDB stand-in. */
function memoryLibrary(): HypernetworkLibrary & { records: Map<string, StoredHypernetwork> } {
  const records = new Map<string, StoredHypernetwork>();
  return {
    records,
    list: async () => [...records.values()].sort((a, b) => a.addedAt - b.addedAt),
    put: async (r) => void records.set(r.key, r),
    rename: async (key, name) => void (records.has(key) && records.set(key, { ...records.get(key)!, name })),
    remove: async (key) => void records.delete(key),
  };
}

function cardFor(file: EngineFile): HypernetworkCard {
  if (file.name.startsWith('bad')) throw Object.assign(new Error('not a hypernetwork'), { name: 'StudioError', code: 'not-a-hypernetwork', details: {} });
  return { name: file.name.replace(/\.pt$/, ''), fileName: file.name, fileSize: file.bytes.byteLength } as HypernetworkCard;
}

const file = (name: string) => new File([new Uint8Array([1, 2, 3])], name);
const entries = () => useStudio.getState().hypernetworks;

let library: ReturnType<typeof memoryLibrary>;

beforeEach(() => {
  resetStudio();
  library = memoryLibrary();
  setHypernetworkLibrary(library);
  inspect.mockReset().mockImplementation(async (f) => cardFor(f));
});

describe('kept hypernetworks', () => {
  it('keeps files that read, restores them as cards after a "reload", and forgets removed ones', async () => {
    await addHypernetworkFiles([file('stripes.pt'), file('bad.pt'), file('invert.pt')]);
    expect([...library.records.values()].map((r) => r.fileName)).toEqual(['stripes.pt', 'invert.pt']);
    expect(entries().filter((e) => e.storeKey).length).toBe(2);

    resetStudio(); // a reload: the store is empty, the library is not
    await restoreHypernetworks();
    expect(entries().map((e) => [e.fileName, e.status])).toEqual([
      ['stripes.pt', 'ready'],
      ['invert.pt', 'ready'],
    ]);
    expect(library.records.size).toBe(2); // restoring does not store twice

    await removeHypernetwork(entries()[0]!.id);
    await vi.waitFor(() => expect([...library.records.values()].map((r) => r.fileName)).toEqual(['invert.pt']));
  });

  it('renames: the tag name follows, a prompt tag selecting it is rewritten, the name is kept', async () => {
    await addHypernetworkFiles([file('stripes.pt')]);
    const id = entries()[0]!.id;
    useStudio.setState((s) => ({ generation: { ...s.generation, params: { ...s.generation.params, prompt: 'a cat <hypernet:stripes:0.5>' } } }));
    expect(renameHypernetwork(id, 'bold:stripes')).toBe(false);
    expect(renameHypernetwork(id, 'bold stripes')).toBe(true);
    expect(entries()[0]!.name).toBe('bold stripes');
    expect(useStudio.getState().generation.params.prompt).toBe('a cat <hypernet:bold stripes:0.5>');
    await vi.waitFor(() => expect([...library.records.values()][0]!.name).toBe('bold stripes'));

    resetStudio();
    await restoreHypernetworks();
    expect(entries()[0]!.name).toBe('bold stripes');
    // blank: back to the file stem
    expect(renameHypernetwork(entries()[0]!.id, '  ')).toBe(true);
    expect(entries()[0]!.name).toBeUndefined();
  });
});
