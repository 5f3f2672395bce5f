/**
 * The one error vocabulary. Every error the UI or the CLI shows is a `StudioError` with a stable `code` from
 * `ErrorCode` (the core's, the engine's and the page's own alike); the worker client rebuilds the same class
 * from `code`, so the UI and CLI switch on `code`, never on message text.
 */
export type ErrorCode =
  // container
  | 'empty-file'
  | 'not-a-torch-file'
  | 'truncated'
  | 'corrupt-zip'
  /** the local headers and the central directory disagree, or entries share bytes */
  | 'zip-inconsistent'
  | 'unsupported-compression'
  | 'missing-record'
  // PNG
  | 'not-a-png'
  /** a chunk fails its CRC or does not decode */
  | 'corrupt-png'
  // pickle
  | 'forbidden-global'
  | 'unsupported-opcode'
  | 'malformed-pickle'
  /** a budget of the reader (sizes, depth, counts, decompressed bytes, work) was exceeded */
  | 'limit-exceeded'
  // tensors
  | 'storage-size'
  | 'unsupported-dtype'
  | 'bad-tensor'
  // hypernetwork
  | 'not-a-hypernetwork'
  | 'invalid-metadata'
  | 'unsupported-activation'
  | 'layout-mismatch'
  // models and generation
  | 'bad-model-folder'
  | 'missing-file'
  | 'unsupported-model'
  | 'unsupported-op'
  // single-file checkpoints (A1111 .safetensors/.ckpt) and their LDM .yaml configs
  | 'bad-checkpoint'
  | 'bad-config'
  // ONNX graph surgery
  | 'graph-error'
  | 'fused-attention'
  | 'bad-request'
  /** img2img or an image hires upscaler needs the model's VAE encoder (vae_encoder/model.onnx), which it lacks */
  | 'no-vae-encoder'
  /** an init image beyond the pixel budget (img2img decodes and resamples it whole) */
  | 'image-too-large'
  | 'bad-prompt'
  | 'out-of-memory'
  | 'device-lost'
  | 'backend-unavailable'
  | 'cancelled'
  | 'runtime-error'
  // the engine worker and the page
  | 'engine-crashed'
  | 'no-model'
  | 'file-too-large'
  | 'read-failed'
  // img2img's input image: a file the browser cannot decode
  | 'not-an-image'
  // the model store (OPFS)
  | 'storage-full'
  | 'corrupt-cache'
  | 'storage-unavailable'
  // a path in a model folder (manifest entry, external-data location) that would leave the folder
  | 'unsafe-path'
  // the memory plan says the model cannot run on the chosen backend (checked before loading)
  | 'model-too-large'
  // a broken invariant inside the app: a bug, not bad input
  | 'internal-error';

export class StudioError extends Error {
  override name = 'StudioError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** Structured facts for the UI (key, expected, got, …). */
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export function isStudioError(e: unknown): e is StudioError {
  return e instanceof StudioError || (typeof e === 'object' && e !== null && (e as { name?: unknown }).name === 'StudioError' && typeof (e as { code?: unknown }).code === 'string');
}

/** A broken invariant: a bug in the app, never the user's input. */
export function internalError(message: string): StudioError {
  return new StudioError('internal-error', message);
}
