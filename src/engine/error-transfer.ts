/**
 * Carries `StudioError` across the worker boundary intact. Comlink's built-in "throw" handler keeps only
 * message/name/stack, so the UI could not switch on `code`. Both realms must import this module: the worker
 * side serializes, the main-thread side deserializes under the same handler name.
 */
import { transferHandlers, type TransferHandler } from 'comlink';
import { isStudioError, StudioError, type ErrorCode } from '../core/errors.ts';

interface Thrown {
  value: unknown;
}

type WireThrow =
  | { kind: 'studio'; code: ErrorCode; message: string; details: Record<string, unknown>; stack?: string }
  | { kind: 'other'; builtin: unknown };

/** `details` must survive structured clone, or postMessage itself would throw and the call never settle. */
function cloneableDetails(details: Record<string, unknown>): Record<string, unknown> {
  try {
    return structuredClone(details);
  } catch {
    return JSON.parse(JSON.stringify(details, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v))) as Record<
      string,
      unknown
    >;
  }
}

let installed = false;

export function installErrorTransfer(): void {
  if (installed) return;
  // The built-in handler recognises comlink's private "thrown" marker; reuse its check and fallback.
  const builtin = transferHandlers.get('throw') as TransferHandler<Thrown, unknown> | undefined;
  if (!builtin) throw new Error('comlink has no "throw" transfer handler to extend');
  const handler: TransferHandler<Thrown, WireThrow> = {
    canHandle: (value): value is Thrown => builtin.canHandle(value),
    serialize(thrown) {
      const error = thrown.value;
      if (isStudioError(error)) {
        const wire: WireThrow = {
          kind: 'studio',
          code: error.code,
          message: error.message,
          details: cloneableDetails(error.details ?? {}),
          stack: error.stack,
        };
        return [wire, []];
      }
      const [builtinWire, transferables] = builtin.serialize(thrown);
      return [{ kind: 'other', builtin: builtinWire }, transferables];
    },
    deserialize(wire) {
      if (wire.kind === 'studio') {
        const error = new StudioError(wire.code, wire.message, wire.details);
        if (wire.stack) error.stack = wire.stack;
        throw error;
      }
      return builtin.deserialize(wire.builtin);
    },
  };
  transferHandlers.set('throw', handler as TransferHandler<unknown, unknown>);
  installed = true;
}
