#!/usr/bin/env node
// `hnstudio`: runs the CLI built to JavaScript (dist-cli/, made by `npm ci` through "prepare", or
// `npm run build:cli`) while it is up to date with its sources; otherwise (sources edited since, or no build)
// the TypeScript sources through tsx, a dev dependency.
import { freshBuild } from './fresh-build.mjs';

const built = freshBuild(new URL('../dist-cli/', import.meta.url));
if (built) {
  await import(built.href);
} else {
  const tsx = await import('tsx/esm/api').catch(() => null);
  if (!tsx) {
    process.stderr.write('error: the CLI is not built and tsx is not installed: run `npm run build:cli` (or `npm ci`)\n');
    process.exit(1);
  }
  tsx.register();
  await import('../src/cli/main.ts');
}
