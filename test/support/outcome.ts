import { isStudioError } from '../../src/core/errors.ts';

/** The `StudioError` code `run` throws, or 'ok'; anything else is rethrown (a test failure). */
export function codeOf(run: () => unknown): string {
  try {
    run();
  } catch (e) {
    if (isStudioError(e)) return e.code;
    throw e;
  }
  return 'ok';
}
