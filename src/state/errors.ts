/** Errors as the panels show them: a stable code (a core `StudioError` code or one of the page's own), a message. */
import { isStudioError } from '../core/errors.ts';
import { EngineCrashedError } from '../engine/client.ts';

export interface UiError {
  /** a `StudioError` code, or `engine-crashed` / `internal-error` */
  code: string;
  message: string;
  details: Record<string, unknown>;
}

export function toUiError(e: unknown): UiError {
  if (isStudioError(e)) return { code: e.code, message: e.message, details: { ...e.details } };
  if (e instanceof EngineCrashedError) return { code: 'engine-crashed', message: e.message, details: {} };
  return { code: 'internal-error', message: `Unexpected error: ${e instanceof Error ? e.message : String(e)}`, details: {} };
}

/** Errors after which the engine holds no usable model: the GPU device or the whole worker is gone. */
export function losesModel(error: UiError): boolean {
  return error.code === 'device-lost' || error.code === 'engine-crashed';
}
