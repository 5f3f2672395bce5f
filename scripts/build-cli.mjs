#!/usr/bin/env node
/**
 * Builds the `hnstudio` CLI to one JavaScript file, dist-cli/hnstudio.mjs, so that it starts without a TypeScript
 * loader (tsx is a dev dependency only). Packages stay external: they are loaded from node_modules as usual.
 * dist-cli/inputs.json lists the source files that went in; bin/hnstudio.mjs runs the build only while none of
 * them is newer than it. Run by `npm ci` / `npm install` ("prepare") and by `npm run build:cli`.
 *   node scripts/build-cli.mjs [OUT_DIR]
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// esbuild is a dev dependency: an install without them (--omit=dev) keeps whatever build is there
const esbuild = await import('esbuild').catch(() => null);
if (!esbuild) {
  console.warn('build-cli: esbuild is not installed (dev dependencies omitted); dist-cli/ not rebuilt');
  process.exit(0);
}

const root = path.resolve(fileURLToPath(new URL('..', import.meta.url)));
const outDir = path.resolve(process.argv[2] ?? path.join(root, 'dist-cli'));

const result = await esbuild.build({
  absWorkingDir: root,
  entryPoints: ['src/cli/main.ts'],
  outfile: path.join(outDir, 'hnstudio.mjs'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20.19',
  packages: 'external',
  sourcemap: true,
  metafile: true,
  logLevel: 'warning',
});
const inputs = Object.keys(result.metafile.inputs).map((file) => path.relative(outDir, path.join(root, file)));
writeFileSync(path.join(outDir, 'inputs.json'), `${JSON.stringify({ inputs }, null, 1)}\n`);
