/**
 * What the core needs from onnxruntime, as an interface: the engine's runtime module (`src/engine/runtime*.ts`)
 * is the one place that loads onnxruntime, sets its environment and creates sessions; the pipeline asks it for
 * sessions from a plan and never touches onnxruntime's globals.
 */
import type { Backend, Ort, OrtSession } from './ort.ts';
import type { SessionPlanInput } from './session-plan.ts';
import type { GraphPackage } from './weights.ts';

export interface Runtime {
  /** onnxruntime-web (WebGPU/WASM) or native onnxruntime (onnxruntime-node: CPU, WebGPU over Dawn) */
  readonly kind: 'web' | 'native';
  /** the module: feeds are made with its `Tensor` */
  readonly ort: Ort;
  /** the backends this runtime can create sessions on */
  readonly backends: readonly Backend[];
  /**
   * A session for the graph and its weight files. Weight files are read as the session is built, one tensor at
   * a time where the realm allows synchronous reads; nothing is kept afterwards.
   * @throws StudioError naming the network and the phase when a file cannot be read or the session fails
   */
  createSession(pkg: GraphPackage, plan: SessionPlanInput): Promise<OrtSession>;
}
