/**
 * `hnstudio png-info FILE.png [--json]`: what the app's PNG Info reads from a PNG — prompt, negative prompt,
 * every parameter of A1111's `parameters` text, the `<hypernet:…>` tags, other text chunks, and any text
 * chunk skipped as damaged or oversized. The same code as the page (core/diffusion/png-parameters.ts).
 */
import { readFile, stat } from 'node:fs/promises';
import { readPngParameters, type PngParameters } from '../core/diffusion/png-parameters.ts';
import { StudioError } from '../core/errors.ts';
import { parse } from './args.ts';
import { terminalSafe, terminalSafeJson } from './terminal-text.ts';

/** PNGs larger than this are refused before reading: no image A1111 writes comes near it. */
const MAX_PNG_BYTES = 1 << 30;

function asJson(file: string, p: PngParameters): Record<string, unknown> {
  return {
    file,
    parameters: p.parameters,
    prompt: p.info?.prompt ?? null,
    negativePrompt: p.info?.negativePrompt ?? null,
    params: Object.fromEntries(p.info?.params ?? []),
    hypernets: p.hypernets,
    hypernetError: p.hypernetError,
    otherText: p.otherText,
    problems: p.problems.map(({ chunk, keyword, code, message }) => ({ chunk, keyword, code, message })),
  };
}

function asText(file: string, p: PngParameters): string {
  const row = (label: string, value: string) => `  ${`${label}:`.padEnd(18)} ${terminalSafe(value)}`;
  const lines = [terminalSafe(file)];
  if (p.info) {
    lines.push(row('prompt', p.info.prompt), row('negative prompt', p.info.negativePrompt));
    for (const [k, v] of p.info.params) lines.push(row(k, v));
    const tags = p.hypernets.map((h) => `${h.name} ${h.multiplier}`).join(', ');
    lines.push(row('hypernetworks', p.hypernetError ? `none applied (${p.hypernetError})` : tags || '—'));
  } else {
    lines.push('  no A1111 "parameters" text chunk');
  }
  for (const [k, v] of Object.entries(p.otherText)) lines.push(row(k, v));
  for (const problem of p.problems) lines.push(`  warning: ${terminalSafe(problem.message)} (skipped) [${problem.code}]`);
  return lines.join('\n');
}

export async function pngInfoCommand(args: string[]): Promise<void> {
  const { values, positionals } = parse(args, { json: { type: 'boolean' } }, ['FILE.png']);
  const file = positionals[0]!;
  const size = (await stat(file)).size;
  if (size > MAX_PNG_BYTES) throw new StudioError('limit-exceeded', `${file} is ${size} bytes; PNG Info reads images up to ${MAX_PNG_BYTES} bytes.`);
  const buf = await readFile(file);
  const result = readPngParameters(new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength));
  console.log(values.json ? terminalSafeJson(asJson(file, result)) : asText(file, result));
}
