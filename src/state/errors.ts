/** Errors as the panels show them: a code from the one `ErrorCode` vocabulary, a message, structured facts. */
import { isStudioError, type ErrorCode } from '../core/errors.ts';

export interface UiError {
  code: ErrorCode;
  message: string;
  details: Record<string, unknown>;
}

/** Any failure as the panels show it; anything not a `StudioError` (an engine crash is one) is a bug. */
export function toUiError(e: unknown): UiError {
  if (isStudioError(e)) return { code: e.code, message: e.message, details: { ...e.details } };
  return { code: 'internal-error', message: `Unexpected error: ${e instanceof Error ? e.message : String(e)}`, details: {} };
}

/** Errors after which the engine holds no usable model: the GPU device or the whole worker is gone. */
export function losesModel(error: UiError): boolean {
  return error.code === 'device-lost' || error.code === 'engine-crashed';
}
