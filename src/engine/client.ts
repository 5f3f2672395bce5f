/**
 * Main-thread side of the engine: starts the module worker on first use, wraps it with comlink and exposes the
 * same `EngineApi`. Only `state/` actions import this module.
 */
import { proxy, transfer, wrap, type Remote } from 'comlink';
import { isStudioError, StudioError } from '../core/errors.ts';
import type { AdapterProbe, BackendChoice, EngineApi, EngineFile, GenerateRequest, GenerateResponse, HypernetworkCard, LoadOptions, ModelInfo, ModelSpec, ProgressEvent, StackInfo, StackItem } from './api.ts';
import { installErrorTransfer } from './error-transfer.ts';

/** The worker died (uncaught error, failed to load, out of memory); it is restarted on the next call. */
export class EngineCrashedError extends StudioError {
  constructor(message: string) {
    super('engine-crashed', message);
  }
}

/** The engine lost what it held (the model, the stack): its GPU device was lost, or its worker died. */
export interface EngineLoss {
  cause: 'device-lost' | 'crashed';
  message: string;
}

const lossListeners = new Set<(loss: EngineLoss) => void>();

/**
 * The one event for a lost engine, whichever call found it: the state subscribes once (the model is marked lost
 * and, after a device loss, reloaded). Returns the unsubscribe function.
 */
export function onEngineLost(listener: (loss: EngineLoss) => void): () => void {
  lossListeners.add(listener);
  return () => lossListeners.delete(listener);
}

function emitLoss(loss: EngineLoss): void {
  for (const listener of [...lossListeners]) listener(loss);
}

class WorkerEngine implements EngineApi {
  private worker: Worker | null = null;
  private remote: Remote<EngineApi> | null = null;
  /** Rejecters of calls in flight: comlink never settles them if the worker dies. */
  private readonly inFlight = new Set<(reason: Error) => void>();

  inspectHypernetwork(file: EngineFile, id?: string): Promise<HypernetworkCard> {
    // Transfer, not copy: a hypernetwork can be hundreds of MB.
    return this.call((remote) => remote.inspectHypernetwork(transfer(file, [file.bytes]), id));
  }

  forgetHypernetwork(id: string): Promise<void> {
    return this.remote ? this.remote.forgetHypernetwork(id) : Promise.resolve();
  }

  setHypernetworks(stack: StackItem[], onProgress?: (event: ProgressEvent) => void): Promise<StackInfo> {
    return this.call((remote) => remote.setHypernetworks(stack, onProgress && proxy(onProgress)));
  }

  loadModel(spec: ModelSpec, backend: BackendChoice, onProgress?: (event: ProgressEvent) => void, options?: LoadOptions): Promise<ModelInfo> {
    return this.call((remote) => remote.loadModel(spec, backend, onProgress && proxy(onProgress), options));
  }

  generate(request: GenerateRequest, onProgress?: (event: ProgressEvent) => void): Promise<GenerateResponse> {
    return this.call((remote) => remote.generate(request, onProgress && proxy(onProgress)));
  }

  cancel(): Promise<void> {
    return this.remote ? this.remote.cancel() : Promise.resolve();
  }

  unloadModel(): Promise<void> {
    return this.remote ? this.remote.unloadModel() : Promise.resolve();
  }

  adapterFacts(): Promise<AdapterProbe> {
    return this.call((remote) => remote.adapterFacts());
  }

  /** Ends the worker and everything it holds; the next call starts a fresh one. */
  restart(): void {
    this.worker?.terminate();
    this.worker = null;
    this.remote = null;
  }

  private call<T>(run: (remote: Remote<EngineApi>) => Promise<T>): Promise<T> {
    const remote = this.ensureStarted();
    return new Promise<T>((resolve, reject) => {
      this.inFlight.add(reject);
      run(remote)
        .then(resolve, (e: unknown) => {
          // a lost GPU device cannot be revived inside the same runtime: a fresh worker starts on the next call
          if (isStudioError(e) && e.code === 'device-lost' && remote === this.remote) {
            this.restart();
            emitLoss({ cause: 'device-lost', message: e.message });
          }
          reject(e);
        })
        .finally(() => this.inFlight.delete(reject));
    });
  }

  private ensureStarted(): Remote<EngineApi> {
    if (this.remote) return this.remote;
    installErrorTransfer();
    const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module', name: workerName() });
    worker.addEventListener('error', (event) => {
      event.preventDefault();
      this.crash(worker, event.message || 'the engine worker failed');
    });
    worker.addEventListener('messageerror', () => this.crash(worker, 'a message from the engine worker could not be read'));
    this.worker = worker;
    this.remote = wrap<EngineApi>(worker);
    return this.remote;
  }

  private crash(worker: Worker, reason: string): void {
    if (worker !== this.worker) return;
    worker.terminate();
    this.worker = null;
    this.remote = null;
    const error = new EngineCrashedError(`Engine stopped: ${reason}. It restarts on the next file.`);
    emitLoss({ cause: 'crashed', message: error.message });
    for (const reject of this.inFlight) reject(error);
    this.inFlight.clear();
  }
}

/**
 * `?testHooks=1` in the page's address names the worker so that it installs its test-only hooks
 * (`test-hooks.ts`); any other page gets a worker without them.
 */
function workerName(): string {
  const search = (globalThis as { location?: { search?: string } }).location?.search ?? '';
  return new URLSearchParams(search).get('testHooks') === '1' ? 'engine-test-hooks' : 'engine';
}

let engine: WorkerEngine | null = null;

/** The page's engine, behind a worker started lazily on the first call. */
export function getEngine(): EngineApi {
  engine ??= new WorkerEngine();
  return engine;
}
