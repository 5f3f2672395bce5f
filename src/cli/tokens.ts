/**
 * `hnstudio tokens (PROMPT | --prompt-file F) [--model DIR] [--json]`: A1111's token counter — the count
 * against 75 per chunk, each chunk's tokens with their weights after emphasis, and the extra-network tags —
 * from the code generation and the prompt box use (core/diffusion/prompt/token-report.ts).
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { MAX_PROMPT_CHARS, promptTokenReport, type TokenReport } from '../core/diffusion/prompt/index.ts';
import { ClipTokenizer } from '../core/diffusion/tokenizer/index.ts';
import { StudioError } from '../core/errors.ts';
import { parse } from './args.ts';
import { demoModelDir } from './demo-model.ts';
import { UsageError } from './errors.ts';
import { terminalSafe, terminalSafeJson } from './terminal-text.ts';

async function readPrompt(file: string): Promise<string> {
  // UTF-8 takes at most 4 bytes per character: a larger file is over the budget before it is read
  const size = (await stat(file)).size;
  if (size > 4 * MAX_PROMPT_CHARS) throw new StudioError('bad-prompt', `The prompt file holds ${size} bytes; prompts are limited to ${MAX_PROMPT_CHARS} characters.`);
  return readFile(file, 'utf8');
}

async function loadTokenizer(dir: string): Promise<ClipTokenizer> {
  const [vocab, merges] = await Promise.all([readFile(join(dir, 'tokenizer', 'vocab.json'), 'utf8'), readFile(join(dir, 'tokenizer', 'merges.txt'), 'utf8')]);
  return ClipTokenizer.fromFiles(vocab, merges);
}

function asText(r: TokenReport): string {
  const weighted = (t: { text: string; weight: number }) => (t.weight === 1 ? t.text : `${t.text.trimEnd()}[${t.weight}]${t.text.endsWith(' ') ? ' ' : ''}`);
  const lines = [`tokens: ${r.tokenCount}/${r.limit} (${r.chunks.length} chunk${r.chunks.length === 1 ? '' : 's'} of 75)`];
  r.chunks.forEach((c, i) => lines.push(`  chunk ${i + 1}: ${c.tokens.length} tokens: ${terminalSafe(c.tokens.map(weighted).join('').trimEnd())}`));
  const tags = r.hypernets.map((h) => `${h.name} ${h.multiplier}`).join(', ');
  lines.push(`  hypernetworks: ${r.hypernetError ? `none applied (${terminalSafe(r.hypernetError)})` : terminalSafe(tags) || '—'}`);
  const others = r.extraNetworks.filter((e) => e.kind !== 'hypernet');
  if (others.length) lines.push(`  other extra networks (ignored here): ${terminalSafe(others.map((e) => `<${e.kind}:${e.args}>`).join(' '))}`);
  return lines.join('\n');
}

export async function tokensCommand(args: string[]): Promise<void> {
  const { values, positionals } = parse(args, { 'prompt-file': { type: 'string' }, model: { type: 'string' }, json: { type: 'boolean' } }, null);
  const file = values['prompt-file'];
  if ((file === undefined) === (positionals.length === 0) || positionals.length > 1) throw new UsageError('give the prompt as one argument or with --prompt-file FILE (not both)');
  const prompt = file === undefined ? positionals[0]! : await readPrompt(file);
  const report = promptTokenReport(prompt, await loadTokenizer(values.model ?? demoModelDir()));
  console.log(values.json ? terminalSafeJson(report) : asText(report));
}
