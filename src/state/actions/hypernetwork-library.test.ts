import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { EngineApi, EngineFile, HypernetworkCard } from '../../engine/api.ts';
import type { HypernetworkLibrary, StoredHypernetwork } from '../../storage/hypernetwork-store.ts';
import { resetStudio, useStudio } from '../store.ts';

const inspect = vi.fn<EngineApi['inspectHypernetwork']>();

vi.mock('../../engine/client.ts', async () =>
  (await import('../../../test/support/fake-engine.ts')).clientModule(() => ({ inspectHypernetwork: inspect, forgetHypernetwork: async () => undefined, setHypernetworks: vi.fn() })),
);

const { addHypernetworkFiles, removeHypernetwork, renameHypernetwork, restoreHypernetworks, setHypernetworkLibrary } = await import('./hypernetworks.ts');

/** An in-memory IndexedDB stand-in; like IndexedDB, a write commits a task later, not when it is asked for. */
function memoryLibrary(): HypernetworkLibrary & { records: Map<string, StoredHypernetwork>; failRemove?: boolean } {
  const records = new Map<string, StoredHypernetwork>();
  const later = () => new Promise((resolve) => setTimeout(resolve, 0));
  const lib: HypernetworkLibrary & { records: Map<string, StoredHypernetwork>; failRemove?: boolean } = {
    records,
    list: async () => [...records.values()].sort((a, b) => a.addedAt - b.addedAt),
    put: async (r) => void (await later(), records.set(r.key, r)),
    rename: async (key, name) => void (await later(), records.has(key) && records.set(key, { ...records.get(key)!, name })),
    remove: async (key) => {
      await later();
      if (lib.failRemove) throw new DOMException('The transaction was aborted.', 'AbortError');
      records.delete(key);
    },
  };
  return lib;
}

function cardFor(file: EngineFile): HypernetworkCard {
  if (file.name.startsWith('bad')) throw Object.assign(new Error('not a hypernetwork'), { name: 'StudioError', code: 'not-a-hypernetwork', details: {} });
  return { name: file.name.replace(/\.pt$/, ''), fileName: file.name, fileSize: file.bytes.byteLength } as HypernetworkCard;
}

/** distinct bytes per name: the same bytes are the same file */
const file = (name: string, bytes = name) => new File([bytes], name);
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

    // resolved means deleted: a reload right now does not bring it back
    await removeHypernetwork(entries()[0]!.id);
    expect([...library.records.values()].map((r) => r.fileName)).toEqual(['invert.pt']);
  });

  it('renames: the tag name follows, a prompt tag selecting it is rewritten, the name is kept', async () => {
    await addHypernetworkFiles([file('stripes.pt')]);
    const id = entries()[0]!.id;
    useStudio.setState((s) => ({ generation: { ...s.generation, params: { ...s.generation.params, prompt: 'a cat <hypernet:stripes:0.5>' } } }));
    expect(renameHypernetwork(id, 'bold:stripes')).toMatch(/cannot contain/);
    expect(renameHypernetwork(id, 'bold stripes')).toBeNull();
    expect(entries()[0]!.name).toBe('bold stripes');
    expect(useStudio.getState().generation.params.prompt).toBe('a cat <hypernet:bold stripes:0.5>');
    // the card says "kept" only once the kept copy has the name
    expect(entries()[0]!.kept).toEqual({ state: 'saving' });
    await vi.waitFor(() => expect(entries()[0]!.kept).toEqual({ state: 'kept' }));
    expect([...library.records.values()][0]!.name).toBe('bold stripes');

    resetStudio();
    await restoreHypernetworks();
    expect(entries()[0]!.name).toBe('bold stripes');
    // blank: back to the file stem
    expect(renameHypernetwork(entries()[0]!.id, '  ')).toBeNull();
    expect(entries()[0]!.name).toBeUndefined();
  });

  it('the same file dropped again focuses its card instead of adding a twin; nothing is kept twice', async () => {
    await addHypernetworkFiles([file('stripes.pt', 'same bytes')]);
    const [first] = entries();
    await addHypernetworkFiles([file('copy of stripes.pt', 'same bytes'), file('other.pt')]);
    expect(entries().map((e) => e.fileName)).toEqual(['stripes.pt', 'other.pt']);
    expect(useStudio.getState().session.libraryNotice).toEqual({ id: first!.id, message: 'copy of stripes.pt is already loaded as “stripes” (the same bytes).' });
    expect(library.records.size).toBe(2);
  });

  it('a library kept with a duplicate (from an older version) comes back with one card, and the extra copy is deleted', async () => {
    for (const [key, addedAt] of [['k1', 1], ['k2', 2]] as const) library.records.set(key, { key, fileName: 'stripes.pt', name: null, bytes: new Blob(['x']), addedAt });
    await restoreHypernetworks();
    expect(entries().map((e) => e.storeKey)).toEqual(['k1']);
    expect([...library.records.keys()]).toEqual(['k1']);
  });

  it('a kept copy that cannot be deleted is reported, not hidden', async () => {
    await addHypernetworkFiles([file('stripes.pt')]);
    library.failRemove = true;
    await removeHypernetwork(entries()[0]!.id);
    expect(entries()).toEqual([]);
    expect(useStudio.getState().session.libraryNotice?.message).toBe('Could not delete the kept copy of stripes.pt (The transaction was aborted): it may come back after a reload.');
  });
});
