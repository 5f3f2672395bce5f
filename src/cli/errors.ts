/** An error meant for the user: printed as one `error:` line, exit code 1. */
export class UsageError extends Error {}
