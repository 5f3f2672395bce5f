/**
 * Typed errors of the core. Every error the reader or engine raises on bad input is a `StudioError` with a
 * stable `code`; the worker client rebuilds the same class from `code`, so the UI and CLI switch on `code`,
 * never on message text.
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
  // ONNX graph surgery
  | 'graph-error'
  | 'fused-attention'
  | 'bad-request'
  | 'bad-prompt'
  | 'out-of-memory'
  | 'device-lost'
  | 'backend-unavailable'
  | 'cancelled'
  | 'runtime-error'
  // the model store (OPFS)
  | 'storage-full'
  | 'corrupt-cache'
  | 'storage-unavailable';

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
