import { StudioError } from '../core/errors.ts';

/** Wrong arguments: printed as one `error:` line with a pointer to the command's --help, exit code 1. */
export class UsageError extends StudioError {
  constructor(message: string) {
    super('bad-request', message);
  }
}

/** `--help` was given: the command stops and its usage is printed (exit code 0). Not an error. */
export class HelpRequested extends Error {}
