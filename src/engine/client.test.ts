import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

/** Stands in for the module worker: records instances, never answers, and can crash on demand. */
class FakeWorker extends EventTarget {
  static instances: FakeWorker[] = [];
  terminated = false;
  readonly transferred: Transferable[] = [];
  constructor(
    readonly url: URL,
    readonly options: WorkerOptions,
  ) {
    super();
    FakeWorker.instances.push(this);
  }
  postMessage(_message: unknown, transfer: Transferable[] = []) {
    this.transferred.push(...transfer);
  }
  terminate() {
    this.terminated = true;
  }
  start() {}
  crash(message: string) {
    this.dispatchEvent(Object.assign(new Event('error', { cancelable: true }), { message }));
  }
}

beforeEach(() => {
  FakeWorker.instances = [];
  vi.stubGlobal('Worker', FakeWorker);
  vi.resetModules(); // a fresh client singleton per test
});
afterEach(() => vi.unstubAllGlobals());

const file = () => ({ name: 'a.pt', bytes: new ArrayBuffer(8) });

describe('engine client', () => {
  it('starts one module worker lazily and reuses it', async () => {
    const { getEngine } = await import('./client.ts');
    const engine = getEngine();
    expect(FakeWorker.instances).toHaveLength(0);
    void engine.inspectHypernetwork(file());
    void engine.inspectHypernetwork(file());
    expect(FakeWorker.instances).toHaveLength(1);
    const worker = FakeWorker.instances[0]!;
    expect(worker.options.type).toBe('module');
    expect(worker.url.pathname).toMatch(/\/worker\.ts$/);
  });

  it('transfers the file bytes instead of copying them', async () => {
    const { getEngine } = await import('./client.ts');
    const sent = file();
    void getEngine().inspectHypernetwork(sent);
    expect(FakeWorker.instances[0]!.transferred).toContain(sent.bytes);
  });

  it('fails calls in flight when the worker dies, and restarts it on the next call', async () => {
    const { getEngine, EngineCrashedError } = await import('./client.ts');
    const engine = getEngine();
    const pending = engine.inspectHypernetwork(file());
    const first = FakeWorker.instances[0]!;
    first.crash('out of memory');

    await expect(pending).rejects.toBeInstanceOf(EngineCrashedError);
    await expect(pending).rejects.toThrow(/out of memory/);
    expect(first.terminated).toBe(true);

    void engine.inspectHypernetwork(file());
    expect(FakeWorker.instances).toHaveLength(2);
  });

  it('a dead worker is one loss event for its one subscriber, before the calls in flight fail', async () => {
    const { getEngine, onEngineLost } = await import('./client.ts');
    const seen: string[] = [];
    const stop = onEngineLost((loss) => seen.push(`${loss.cause}: ${loss.message}`));
    const pending = [getEngine().inspectHypernetwork(file()), getEngine().inspectHypernetwork(file())].map((p) => p.catch(() => seen.push('rejected')));
    FakeWorker.instances[0]!.crash('out of memory');
    await Promise.all(pending);
    expect(seen).toEqual(['crashed: Engine stopped: out of memory. It restarts on the next file.', 'rejected', 'rejected']);
    stop();
  });
});

