/**
 * The one module that owns onnxruntime-web: its environment (threads, log level), session creation from a
 * plan with the weight files mounted lazily, and the mapping of its failures. The core asks this for sessions
 * through the `Runtime` interface and never touches onnxruntime's globals.
 */
import type { Backend, Ort, OrtSession } from '../core/onnx/ort.ts';
import { runtimeError } from '../core/onnx/runtime-errors.ts';
import type { Runtime } from '../core/onnx/runtime.ts';
import { planSession, type SessionPlanInput } from '../core/onnx/session-plan.ts';
import type { GraphPackage, WeightFile } from '../core/onnx/weights.ts';
import { StudioError } from '../core/errors.ts';
import { canReadLazily, LazyBytes } from './lazy-bytes.ts';

/** Chromium refuses Blob reads of 2,146,435,072 bytes and more; V8 cannot make a larger ArrayBuffer either. */
export const MAX_WHOLE_READ = 2_146_435_072 - 1;

export interface WebRuntimeOptions {
  /** wasm threads (more than 1 needs cross-origin isolation in the browser) */
  threads?: number;
}

/** Mounted weight files of the sessions created so far: what they read, for the memory report. */
export interface MountStats {
  /** bytes of weights read through lazy mounts */
  lazyBytes: number;
  /** the largest single read (one tensor): the JS memory a load holds at once */
  largestRead: number;
  /** bytes of files read whole (sources without synchronous reads, e.g. HTTP) */
  wholeBytes: number;
}

export interface WebRuntime extends Runtime {
  readonly mounts: MountStats;
}

export function webRuntime(ort: Ort, options: WebRuntimeOptions = {}): WebRuntime {
  watchWasmMemory();
  ort.env.wasm.numThreads = options.threads ?? 1;
  // onnxruntime logs benign node-placement notes (VerifyEachNodeIsAssignedToAnEp) as console errors
  ort.env.logLevel = 'error';
  const mounts: MountStats = { lazyBytes: 0, largestRead: 0, wholeBytes: 0 };
  const backends: Backend[] = ['webgpu', 'wasm'];
  return {
    kind: 'web',
    ort,
    backends,
    mounts,
    async createSession(pkg: GraphPackage, plan: SessionPlanInput): Promise<OrtSession> {
      if (!backends.includes(plan.backend)) throw new StudioError('backend-unavailable', `onnxruntime-web has no ${plan.backend} backend.`);
      const lazy: LazyBytes[] = [];
      const externalData: { path: string; data: Uint8Array }[] = [];
      for (const [path, file] of pkg.files) {
        if (canReadLazily(file)) {
          const bytes = new LazyBytes(file);
          lazy.push(bytes);
          externalData.push({ path, data: bytes });
        } else {
          externalData.push({ path, data: await readWhole(file, path, pkg.what) });
          mounts.wholeBytes += file.size;
        }
      }
      try {
        return await ort.InferenceSession.create(pkg.graph, { ...planSession(plan), externalData });
      } catch (e) {
        throw runtimeError(e, pkg.what, 'session');
      } finally {
        for (const bytes of lazy) {
          mounts.lazyBytes += bytes.readBytes;
          mounts.largestRead = Math.max(mounts.largestRead, bytes.largestRead);
        }
      }
    },
  };
}

/** A weight file read in one piece, for sources without synchronous reads (the demo over HTTP). */
async function readWhole(file: WeightFile, path: string, what: string): Promise<Uint8Array> {
  if (file.size > MAX_WHOLE_READ) {
    throw new StudioError('backend-unavailable', `${what} needs "${path}" (${file.size} bytes) read in one piece here, over the browser's 2 GiB limit; import the model (Models…) so it is read in slices.`, {
      phase: 'read',
      network: what,
    });
  }
  try {
    return await file.read(0, file.size);
  } catch (e) {
    throw runtimeError(e, what, 'read');
  }
}

/**
 * onnxruntime-web's wasm memory, found as it is instantiated (it is not exposed): its size is the wasm heap's
 * high-water mark (a wasm memory grows and never shrinks), which the load report and diagnostics show.
 */
const wasmMemories: WebAssembly.Memory[] = [];

function collectMemories(value: unknown, depth = 0): void {
  if (value instanceof WebAssembly.Memory) {
    if (!wasmMemories.includes(value)) wasmMemories.push(value);
    return;
  }
  if (depth < 2 && value && typeof value === 'object') for (const v of Object.values(value)) collectMemories(v, depth + 1);
}

let watching = false;

/** Wraps WebAssembly.instantiate(Streaming) once to note the memories modules import or export. */
export function watchWasmMemory(): void {
  if (watching || typeof WebAssembly === 'undefined') return;
  watching = true;
  const wasm = WebAssembly as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
  for (const name of ['instantiate', 'instantiateStreaming']) {
    const original = wasm[name];
    if (typeof original !== 'function') continue;
    wasm[name] = function (this: unknown, ...args: unknown[]) {
      collectMemories(args[1]);
      return original.apply(this, args).then((result) => {
        collectMemories((result as { instance?: { exports?: unknown }; exports?: unknown }).instance?.exports ?? (result as { exports?: unknown }).exports);
        return result;
      });
    };
  }
}

/** The largest wasm memory seen (onnxruntime's heap), in bytes; null before onnxruntime has started. */
export function wasmHeapBytes(): number | null {
  return wasmMemories.length ? Math.max(...wasmMemories.map((m) => m.buffer.byteLength)) : null;
}
