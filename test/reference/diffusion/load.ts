/** Test-only loader for the committed reference files made by tools/reference/*.py (Node fs is fine here). */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REF_DIR = dirname(fileURLToPath(import.meta.url));

export function loadRef<T>(name: string): T {
  return JSON.parse(readFileSync(join(REF_DIR, name), 'utf8')) as T;
}

export function readRefText(name: string): string {
  return readFileSync(join(REF_DIR, name), 'utf8');
}
