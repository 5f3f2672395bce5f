/** The argument parser every command uses: strict options, a fixed number of positionals, and `--help`. */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { HelpRequested, UsageError } from './errors.ts';

type Options = NonNullable<ParseArgsConfig['options']>;
type Parsed<T extends Options> = ReturnType<typeof parseArgs<{ args: string[]; options: T; allowPositionals: true; strict: true }>>;
const HELP = { help: { type: 'boolean', short: 'h' } } as const;

/**
 * Parses a command's arguments. `--help` / `-h` anywhere stops the command before it checks anything else:
 * it throws `HelpRequested`, and main.ts prints that command's usage. `positionals` names the expected ones
 * (checked by count), or is null where the command checks them itself.
 */
export function parse<T extends Options>(args: string[], options: T, positionals: string[] | null): Parsed<T> {
  let parsed;
  try {
    parsed = parseArgs({ args, options: { ...options, ...HELP }, allowPositionals: true, strict: true });
  } catch (e) {
    if (args.includes('--help') || args.includes('-h')) throw new HelpRequested();
    throw new UsageError((e as Error).message);
  }
  if ((parsed.values as { help?: boolean }).help) throw new HelpRequested();
  if (positionals && parsed.positionals.length !== positionals.length) {
    throw new UsageError(`expected ${positionals.join(' ')}, got ${parsed.positionals.length ? parsed.positionals.join(' ') : 'nothing'}`);
  }
  return parsed as Parsed<T>;
}
