/**
 * `hnstudio` — the command line over the same core as the app (`hnstudio --help`, `hnstudio COMMAND --help`).
 * Bad input: exit code 1 and one `error:` line on stderr, never a stack trace.
 */
import { isStudioError } from '../core/errors.ts';
import { inspectCommand } from './inspect.ts';
import { convertCommand } from './convert.ts';
import { UsageError } from './errors.ts';
import { generateCommand } from './generate.ts';
import { noiseCommand } from './noise.ts';
import { patchCommand } from './patch.ts';
import { PNG_INFO_USAGE, pngInfoCommand } from './png-info.ts';
import { sigmasCommand } from './sigmas.ts';
import { TOKENS_USAGE, tokensCommand } from './tokens.ts';

const USAGE = `usage:
  hnstudio inspect FILE.pt [--json]          describe a hypernetwork file
  hnstudio convert FILE.pt OUT.safetensors   write its tensors as safetensors
  hnstudio generate --model DIR --prompt TEXT [--negative TEXT] [--sampler NAME] [--steps N] [--cfg X]
                    [--seed N] [--width W] [--height H] [--batch-count N] --out FILE.png
  hnstudio noise --seed N --shape B,C,H,W --out FILE.npy      initial latent noise, as the engine draws it
  hnstudio sigmas --model DIR --sampler NAME --steps N [--json] the sampler's sigma schedule
  hnstudio patch UNET.onnx --hypernetwork A.pt[:STRENGTH] [--hypernetwork B.pt[:STRENGTH]]… [--bake] --out OUT.onnx
                    put the hypernetworks' MLPs into the U-Net graph (inputs hypernetwork_strength_<i>, or baked)
  hnstudio png-info FILE.png [--json]        what PNG Info restores: prompt, parameters, hypernetworks
  hnstudio tokens (PROMPT | --prompt-file F) [--model DIR] [--json]   A1111's token counter`;

/** `hnstudio COMMAND --help`: the command's own lines of the usage, or its longer text. */
const COMMAND_USAGE: Record<string, string> = {
  'png-info': PNG_INFO_USAGE,
  tokens: TOKENS_USAGE,
};

function usageOf(command: string): string {
  if (Object.hasOwn(COMMAND_USAGE, command)) return COMMAND_USAGE[command]!;
  const lines = USAGE.split('\n');
  const start = lines.findIndex((l) => l.startsWith(`  hnstudio ${command} `));
  const end = lines.findIndex((l, i) => i > start && l.startsWith('  hnstudio '));
  return lines.slice(start, end < 0 ? undefined : end).map((l) => l.slice(2)).join('\n');
}

const COMMANDS: Record<string, (args: string[]) => Promise<void>> = {
  inspect: inspectCommand,
  convert: convertCommand,
  generate: generateCommand,
  noise: noiseCommand,
  sigmas: sigmasCommand,
  patch: patchCommand,
  'png-info': pngInfoCommand,
  tokens: tokensCommand,
};


async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h') {
    console.log(USAGE);
    return;
  }
  const run = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
  if (!run) throw new UsageError(`unknown command "${command}"\n${USAGE}`);
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(`usage: ${usageOf(command)}`);
    return;
  }
  await run(rest);
}

main(process.argv.slice(2)).catch((e: unknown) => {
  const message = isStudioError(e) ? `${e.message} [${e.code}]` : e instanceof UsageError ? e.message : systemMessage(e);
  process.stderr.write(`error: ${message.split('\n')[0]}\n`);
  process.exitCode = 1;
});

function systemMessage(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  if (err?.code === 'ENOENT') return `no such file: ${err.path ?? ''}`;
  if (err?.code === 'EISDIR') return `is a directory, not a file: ${err.path ?? ''}`;
  if (err?.code === 'EACCES') return `permission denied: ${err.path ?? ''}`;
  return `unexpected failure: ${err instanceof Error ? err.message : String(e)}`;
}
