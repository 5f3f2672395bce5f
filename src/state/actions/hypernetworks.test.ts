import { beforeEach, describe, expect, it, vi } from 'vitest';
import { StudioError } from '../../core/errors.ts';
import type { EngineApi, EngineFile, HypernetworkCard } from '../../engine/api.ts';
import { resetStudio, useStudio } from '../store.ts';

const inspect = vi.fn<EngineApi['inspectHypernetwork']>();

// The real client starts a Worker; these tests only check what the actions do with its answers.
vi.mock('../../engine/client.ts', async () => (await import('../../../test/support/fake-engine.ts')).clientModule(() => ({ inspectHypernetwork: inspect })));

const { addHypernetworkFiles, clearHypernetworks, removeHypernetwork, MAX_HYPERNETWORK_BYTES } = await import(
  './hypernetworks.ts'
);
const { EngineCrashedError } = await import('../../engine/client.ts');

function cardFor(file: EngineFile): HypernetworkCard {
  return {
    name: file.name.replace(/\.pt$/, ''),
    step: 1,
    sdCheckpoint: null,
    sdCheckpointName: null,
    sizes: [768],
    layerStructure: [1, 2, 1],
    activation: 'linear',
    layerNorm: false,
    activateOutput: true,
    dropoutStructure: [0, 0, 0],
    dtype: 'float32',
    parameters: 10,
    layers: { '768': [] },
    fileName: file.name,
    fileSize: file.bytes.byteLength,
    sizeRoles: { '768': 'sd1-text' },
    warnings: [],
    optionalInfo: null,
    legacyKeys: false,
  };
}

/** distinct bytes per name by default: the same bytes are the same file */
const file = (name: string, content = `PK\x03\x04 ${name}`) => new File([content], name);
const entries = () => useStudio.getState().hypernetworks;

beforeEach(() => {
  resetStudio();
  inspect.mockReset();
  inspect.mockImplementation(async (f) => cardFor(f));
});

describe('addHypernetworkFiles', () => {
  it('shows a reading card per file at once, in drop order, then their facts', async () => {
    const done = addHypernetworkFiles([file('a.pt'), file('b.pt'), file('c.pt')]);
    expect(entries().map((e) => [e.fileName, e.status])).toEqual([
      ['a.pt', 'reading'],
      ['b.pt', 'reading'],
      ['c.pt', 'reading'],
    ]);
    await done;
    expect(entries().map((e) => [e.fileName, e.status])).toEqual([
      ['a.pt', 'ready'],
      ['b.pt', 'ready'],
      ['c.pt', 'ready'],
    ]);
    const first = entries()[0];
    expect(first?.status === 'ready' && first.card.name).toBe('a');
  });

  it('sends the file bytes and name to the engine', async () => {
    await addHypernetworkFiles([file('x.pt', 'hello')]);
    const sent = inspect.mock.calls[0]?.[0];
    expect(sent?.name).toBe('x.pt');
    expect(new TextDecoder().decode(sent?.bytes)).toBe('hello');
  });

  it('parses one file at a time', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    inspect.mockImplementation(async (f) => {
      maxInFlight = Math.max(maxInFlight, ++inFlight);
      await new Promise((r) => setTimeout(r, 5));
      inFlight--;
      return cardFor(f);
    });
    await addHypernetworkFiles([file('a.pt'), file('b.pt'), file('c.pt')]);
    expect(maxInFlight).toBe(1);
  });

  it('turns a StudioError into an error card with its code, leaving the other cards alone', async () => {
    inspect.mockImplementation(async (f) => {
      if (f.name === 'evil.pt') throw new StudioError('forbidden-global', "global 'posix/system' is forbidden", { global: 'posix/system' });
      return cardFor(f);
    });
    await addHypernetworkFiles([file('good.pt'), file('evil.pt'), file('also-good.pt')]);
    const [good, evil, alsoGood] = entries();
    expect(good?.status).toBe('ready');
    expect(alsoGood?.status).toBe('ready');
    expect(evil).toMatchObject({
      status: 'error',
      error: { code: 'forbidden-global', message: "global 'posix/system' is forbidden", details: { global: 'posix/system' } },
    });
  });

  it('reports a crashed engine and unexpected errors without rejecting', async () => {
    inspect.mockRejectedValueOnce(new EngineCrashedError('Engine stopped: out of memory.'));
    inspect.mockRejectedValueOnce(new TypeError('boom'));
    await expect(addHypernetworkFiles([file('a.pt'), file('b.pt')])).resolves.toBeUndefined();
    expect(entries().map((e) => e.status === 'error' && e.error.code)).toEqual(['engine-crashed', 'internal-error']);
  });

  it('refuses files larger than any hypernetwork without reading them', async () => {
    const huge = file('model.ckpt');
    Object.defineProperty(huge, 'size', { value: MAX_HYPERNETWORK_BYTES + 1 });
    await addHypernetworkFiles([huge]);
    expect(entries()[0]).toMatchObject({ status: 'error', error: { code: 'file-too-large' } });
    expect(inspect).not.toHaveBeenCalled();
  });

  it('reports files the browser cannot read', async () => {
    const unreadable = file('folder');
    unreadable.arrayBuffer = () => Promise.reject(new DOMException('A requested file could not be read', 'NotReadableError'));
    await addHypernetworkFiles([unreadable]);
    expect(entries()[0]).toMatchObject({ status: 'error', error: { code: 'read-failed' } });
  });

  it('ignores an empty selection', async () => {
    await addHypernetworkFiles([]);
    expect(entries()).toEqual([]);
  });
});

describe('removing cards', () => {
  it('removes one card and keeps the rest', async () => {
    await addHypernetworkFiles([file('a.pt'), file('b.pt')]);
    const first = entries()[0];
    const removed = removeHypernetwork(first?.id ?? '');
    expect(entries().map((e) => [e.fileName, e.status])).toEqual([['a.pt', 'removing'], ['b.pt', 'ready']]);
    await removed;
    expect(entries().map((e) => e.fileName)).toEqual(['b.pt']);
  });

  it('drops the result of a file removed while it was being read', async () => {
    let release: () => void = () => {};
    inspect.mockImplementationOnce(async (f) => {
      await new Promise<void>((r) => (release = r));
      return cardFor(f);
    });
    const done = addHypernetworkFiles([file('slow.pt'), file('queued.pt')]);
    await vi.waitFor(() => expect(inspect).toHaveBeenCalledTimes(1));
    const [slow, queued] = entries();
    const removed = Promise.all([removeHypernetwork(slow?.id ?? ''), removeHypernetwork(queued?.id ?? '')]);
    release();
    await done;
    await removed;
    expect(entries()).toEqual([]);
    expect(inspect).toHaveBeenCalledTimes(1); // the queued one was never read
  });

  it('clears all cards', async () => {
    await addHypernetworkFiles([file('a.pt'), file('b.pt')]);
    await clearHypernetworks();
    expect(entries()).toEqual([]);
  });
});
