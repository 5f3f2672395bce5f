/**
 * Native onnxruntime (onnxruntime-node) for the CLI and Node tools: the CPU provider (and the WebGPU provider
 * over Dawn on Linux x64), with no 4 GiB wasm heap. Weight files are opened by onnxruntime itself from the
 * network's folder on disk, so a 3.4 GB `model.onnx_data` is never read into JS memory. Node only: the engine
 * loads this module with a dynamic import from the CLI.
 */
import { sep } from 'node:path';
import type { Backend, Ort, OrtSession } from '../core/onnx/ort.ts';
import { runtimeError } from '../core/onnx/runtime-errors.ts';
import type { Runtime } from '../core/onnx/runtime.ts';
import { planSession, type SessionPlanInput } from '../core/onnx/session-plan.ts';
import { externalLocations } from '../core/onnx/external.ts';
import { decodeModel } from '../core/onnx/proto.ts';
import type { GraphPackage } from '../core/onnx/weights.ts';
import { StudioError } from '../core/errors.ts';
import { MAX_WHOLE_READ } from './runtime.ts';

export interface NativeRuntimeOptions {
  /** intra-op threads (default: onnxruntime's choice, all cores) */
  threads?: number;
}

/**
 * The folder every weight file lives in when each is a file on disk named by its location (the usual case:
 * `unet/model.onnx_data`, or `unet/model.onnx` for embedded weights); null otherwise.
 */
export function weightFolder(pkg: GraphPackage): string | null {
  let folder: string | null = null;
  for (const [location, file] of pkg.files) {
    const suffix = sep + location.split('/').join(sep);
    if (!file.nativePath?.endsWith(suffix)) return null;
    const root = file.nativePath.slice(0, -suffix.length);
    if (folder !== null && folder !== root) return null;
    folder = root;
  }
  return folder;
}

export async function nativeRuntime(options: NativeRuntimeOptions = {}): Promise<Runtime> {
  let ort: Ort;
  try {
    ort = (await import('onnxruntime-node')) as unknown as Ort;
  } catch (e) {
    throw new StudioError('backend-unavailable', `Native onnxruntime (onnxruntime-node) could not be loaded: ${(e as Error).message}. Use --backend wasm.`);
  }
  const backends: Backend[] = ['cpu', 'webgpu'];
  return {
    kind: 'native',
    ort,
    backends,
    async createSession(pkg: GraphPackage, plan: SessionPlanInput): Promise<OrtSession> {
      if (!backends.includes(plan.backend)) throw new StudioError('backend-unavailable', `Native onnxruntime has no ${plan.backend} backend; use --backend wasm.`);
      const session = { ...planSession(plan), logSeverityLevel: 3 as const };
      if (options.threads) session.intraOpNumThreads = options.threads;
      const folder = weightFolder(pkg);
      if (folder !== null) {
        // onnxruntime resolves external-data locations against this folder (the graph is handed over as bytes)
        Object.assign(session, { extra: { session: { model_external_initializers_file_folder_path: folder } } });
      } else {
        // only what the graph names (a converted graph no longer reads the files its weights came from)
        const named = new Set(externalLocations(decodeModel(pkg.graph)));
        const externalData = [];
        for (const [path, file] of pkg.files) {
          if (!named.has(path)) continue;
          if (file.size > MAX_WHOLE_READ) throw new StudioError('backend-unavailable', `${pkg.what}: "${path}" is not a file on disk and is too large to pass in memory.`, { phase: 'read', network: pkg.what });
          externalData.push({ path, data: await file.read(0, file.size) });
        }
        session.externalData = externalData;
      }
      try {
        return await ort.InferenceSession.create(pkg.graph, session);
      } catch (e) {
        throw runtimeError(e, pkg.what, 'session');
      }
    },
  };
}
