/**
 * `hnstudio` — the command line over the same core as the app (usage: usage.ts, `hnstudio --help`).
 * Bad input: exit code 1 and one `error:` line on stderr, never a stack trace. `--help` on any command prints
 * its usage on stdout, exit code 0.
 */
import { isStudioError, StudioError } from '../core/errors.ts';
import { convertCommand } from './convert.ts';
import { convertCheckpointCommand } from './convert-checkpoint.ts';
import { HelpRequested, UsageError } from './errors.ts';
import { generateCommand } from './generate.ts';
import { inspectCommand } from './inspect.ts';
import { noiseCommand } from './noise.ts';
import { patchCommand } from './patch.ts';
import { pngInfoCommand } from './png-info.ts';
import { sigmasCommand } from './sigmas.ts';
import { tokensCommand } from './tokens.ts';
import { COMMAND_USAGE, USAGE, type CommandName } from './usage.ts';

const COMMANDS: Record<CommandName, (args: string[]) => Promise<void>> = {
  inspect: inspectCommand,
  convert: convertCommand,
  'convert-checkpoint': convertCheckpointCommand,
  generate: generateCommand,
  noise: noiseCommand,
  sigmas: sigmasCommand,
  patch: patchCommand,
  'png-info': pngInfoCommand,
  tokens: tokensCommand,
};

const isCommand = (name: string): name is CommandName => Object.hasOwn(COMMANDS, name);

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h') {
    console.log(USAGE);
    return;
  }
  if (command === 'help') {
    const topic = rest[0];
    console.log(topic && isCommand(topic) ? COMMAND_USAGE[topic] : USAGE);
    return;
  }
  if (!isCommand(command)) throw new UsageError(`unknown command "${command}" (hnstudio --help lists them)`);
  try {
    await COMMANDS[command](rest);
  } catch (e) {
    if (e instanceof HelpRequested) console.log(COMMAND_USAGE[command]);
    else if (e instanceof UsageError) throw new UsageError(`${e.message.split('\n')[0]} (hnstudio ${command} --help)`);
    else throw e;
  }
}

main(process.argv.slice(2)).catch((e: unknown) => {
  // usage errors point to --help instead of a code; every other line ends with its ErrorCode
  const error = toStudioError(e);
  const message = error instanceof UsageError ? error.message : `${error.message} [${error.code}]`;
  process.stderr.write(`error: ${message.split('\n')[0]}\n`);
  process.exitCode = 1;
});

/** Node's file-system failures in the vocabulary of the rest; anything else unexpected is a bug. */
function toStudioError(e: unknown): StudioError {
  if (isStudioError(e)) return e;
  const err = e as NodeJS.ErrnoException;
  if (err?.code === 'ENOENT') return new StudioError('missing-file', `no such file: ${err.path ?? ''}`);
  if (err?.code === 'EISDIR') return new StudioError('read-failed', `is a directory, not a file: ${err.path ?? ''}`);
  if (err?.code === 'EACCES') return new StudioError('read-failed', `permission denied: ${err.path ?? ''}`);
  return new StudioError('internal-error', `unexpected failure: ${err instanceof Error ? err.message : String(e)}`);
}
