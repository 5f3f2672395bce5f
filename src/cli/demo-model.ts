/**
 * The embedded demo model's folder, found above this module: the CLI runs from src/cli/ (through tsx) or from
 * dist-cli/ (the esbuild bundle), so a fixed relative path would be right for only one of them.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { StudioError } from '../core/errors.ts';

const DEMO = join('public', 'models', 'sd-shapes-demo');

export function demoModelDir(what = 'the demo model'): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const candidate = join(dir, DEMO);
    if (existsSync(join(candidate, 'tokenizer', 'vocab.json'))) return candidate;
    dir = dirname(dir);
  }
  throw new StudioError('missing-file', `${what} (${DEMO}) was not found above the CLI; pass the folder explicitly.`);
}
