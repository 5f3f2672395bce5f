/** An error meant for the user: printed as one `error:` line, exit code 1. */
export class UsageError extends Error {}

/** `--help` was given: the command stops and its usage is printed (exit code 0). */
export class HelpRequested extends Error {}
