/**
 * onnxruntime's failures as typed errors the UI and CLI can act on, naming the network and the phase: reading
 * its weights, creating its session, or running it. Advice differs by phase — an out-of-memory at session
 * creation is about the model's size, not the image size.
 */
import { StudioError } from '../errors.ts';

export type RuntimePhase = 'read' | 'session' | 'run';

export function runtimeError(e: unknown, what: string, phase: RuntimePhase = 'run'): StudioError {
  if (e instanceof StudioError) return e;
  const message = (e instanceof Error ? e.message : String(e)).slice(0, 2000);
  const details = { phase, network: what };
  if (/out of memory|OOM|allocation failed|failed to allocate|bad_alloc|Array buffer allocation|could not allocate/i.test(message)) {
    const advice = phase === 'run' ? 'Try a smaller image size or batch.' : 'The model does not fit this backend\'s memory: use a GPU with more memory, an fp16 model, or the CLI.';
    return new StudioError('out-of-memory', `Out of memory while ${verb(phase)} ${what}. ${advice} (${message})`, details);
  }
  if (/device (was |is )?lost|GPUDevice.*lost/i.test(message)) {
    return new StudioError('device-lost', `The GPU device was lost while ${verb(phase)} ${what}; reload the model to continue. (${message})`, details);
  }
  if (/requires f16|shader-f16|float16 is not supported/i.test(message)) {
    return new StudioError('unsupported-op', `${what} is an fp16 model and this GPU adapter has no shader-f16: it cannot run fp16 shaders. (${message})`, details);
  }
  if (/not implemented|could not find an implementation|unsupported (op|operator)/i.test(message)) {
    return new StudioError('unsupported-op', `${what} uses an operator this backend cannot run: ${message}`, details);
  }
  if (phase === 'session' && /protobuf|parse|invalid model|model_proto|Load model/i.test(message)) {
    return new StudioError('bad-model-folder', `${what} is not a readable ONNX model (corrupt or truncated file?): ${message}`, details);
  }
  const doing = verb(phase);
  return new StudioError('runtime-error', `${doing.charAt(0).toUpperCase()}${doing.slice(1)} ${what} failed: ${message}`, details);
}

function verb(phase: RuntimePhase): string {
  return phase === 'read' ? 'reading the weights of' : phase === 'session' ? 'creating the session of' : 'running';
}
