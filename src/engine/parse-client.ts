/**
 * Main-thread side of the parse worker (started on first use). A worker that dies (out of memory, killed)
 * rejects the calls in flight and is restarted on the next call. Where there is no `Worker` (Node: tests,
 * the CLI) the same `Parser` runs in-process.
 */
import { transfer, wrap, type Remote } from 'comlink';
import { installErrorTransfer } from './error-transfer.ts';
import type { ModelSpec } from './api.ts';
import type { ParseApi, PngParameters, TokenReport } from './parse-api.ts';
import { Parser } from './parse-impl.ts';

export type { ParseApi, PngParameters, TokenReport };

export class ParserCrashedError extends Error {
  override name = 'ParserCrashedError';
}

class WorkerParser implements ParseApi {
  private worker: Worker | null = null;
  private remote: Remote<ParseApi> | null = null;
  private readonly inFlight = new Set<(reason: Error) => void>();

  readPngParameters(bytes: ArrayBuffer): Promise<PngParameters> {
    return this.call((remote) => remote.readPngParameters(transfer(bytes, [bytes])));
  }

  countTokens(prompt: string, model: ModelSpec): Promise<TokenReport> {
    return this.call((remote) => remote.countTokens(prompt, model));
  }

  private call<T>(run: (remote: Remote<ParseApi>) => Promise<T>): Promise<T> {
    const remote = this.ensureStarted();
    return new Promise<T>((resolve, reject) => {
      this.inFlight.add(reject);
      run(remote).then(resolve, reject).finally(() => this.inFlight.delete(reject));
    });
  }

  private ensureStarted(): Remote<ParseApi> {
    if (this.remote) return this.remote;
    installErrorTransfer();
    const worker = new Worker(new URL('./parse-worker.ts', import.meta.url), { type: 'module', name: 'parser' });
    const crash = (reason: string) => {
      if (worker !== this.worker) return;
      worker.terminate();
      this.worker = null;
      this.remote = null;
      for (const reject of this.inFlight) reject(new ParserCrashedError(`The file reader stopped: ${reason}. It restarts on the next file.`));
      this.inFlight.clear();
    };
    worker.addEventListener('error', (event) => {
      event.preventDefault();
      crash(event.message || 'the parse worker failed');
    });
    worker.addEventListener('messageerror', () => crash('a message could not be read'));
    this.worker = worker;
    this.remote = wrap<ParseApi>(worker);
    return this.remote;
  }
}

let parser: ParseApi | null = null;

/** The page's parser: a worker in browsers, in-process where there is none. */
export function getParser(): ParseApi {
  parser ??= typeof Worker === 'undefined' ? new Parser() : new WorkerParser();
  return parser;
}
