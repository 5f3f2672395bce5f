/** Tiny argument helpers shared by the commands. */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './errors.ts';

/** Parses strictly; `positionals` names the expected ones (checked by count), or null for any number. */
export function parse<T extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: T, positionals: string[] | null) {
  let parsed;
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (positionals && parsed.positionals.length !== positionals.length) {
    throw new UsageError(`expected ${positionals.join(' ')}, got ${parsed.positionals.length ? parsed.positionals.join(' ') : 'nothing'}`);
  }
  return parsed;
}
