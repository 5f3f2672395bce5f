/**
 * The CLI built to JavaScript (scripts/build-cli.mjs): it runs under plain Node, without tsx, and prints the
 * same as the sources; bin/hnstudio.mjs uses a build only while no source it was made from is newer.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshBuild } from '../bin/fresh-build.mjs';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..');
const FIXTURE = join(ROOT, 'test', 'fixtures', 'hypernetwork', 'layout-06-act-ln-dropout.pt');

describe('the built CLI', { timeout: 60_000 }, () => {
  // inside the checkout, so that the bundle's external packages resolve from node_modules as in dist-cli/
  mkdirSync(join(ROOT, '.cache'), { recursive: true });
  const out = mkdtempSync(join(ROOT, '.cache', 'cli-build-'));
  beforeAll(() => run(process.execPath, [join(ROOT, 'scripts', 'build-cli.mjs'), out]), 60_000);
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('runs under plain Node and prints what the sources print', async () => {
    const bundle = readFileSync(join(out, 'hnstudio.mjs'), 'utf8');
    // no import of tsx or of a TypeScript file (esbuild's lazy-init wrappers name their modules "src/….ts", which is fine)
    expect(bundle).not.toMatch(/(?:from\s*|import\s*\(\s*)["'](?:tsx[^"']*|[^"']*\.ts)["']/);
    const built = await run(process.execPath, [join(out, 'hnstudio.mjs'), 'inspect', FIXTURE, '--json']);
    const expected = JSON.parse(readFileSync(FIXTURE.replace(/\.pt$/, '.expected.json'), 'utf8')).inspect;
    expect(JSON.parse(built.stdout)).toEqual(expected);
    expect((await run(process.execPath, [join(out, 'hnstudio.mjs'), 'generate', '--help'])).stdout).toMatch(/^usage: hnstudio generate /);
  });

  it('lists the sources it was built from', () => {
    const { inputs } = JSON.parse(readFileSync(join(out, 'inputs.json'), 'utf8')) as { inputs: string[] };
    const sources = inputs.map((p) => join(out, p));
    expect(sources).toContain(join(ROOT, 'src', 'cli', 'main.ts'));
    expect(sources).toContain(join(ROOT, 'src', 'core', 'errors.ts'));
  });
});

describe('freshBuild (bin/fresh-build.mjs)', () => {
  const dir = mkdtempSync(join(ROOT, '.cache', 'fresh-build-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const url = pathToFileURL(`${dir}/`);
  const at = (file: string, seconds: number) => utimesSync(join(dir, file), seconds, seconds);

  it('uses the build only while every listed source is older, and never without one', () => {
    expect(freshBuild(url), 'no build').toBeNull();
    writeFileSync(join(dir, 'source.ts'), '');
    writeFileSync(join(dir, 'hnstudio.mjs'), '');
    writeFileSync(join(dir, 'inputs.json'), JSON.stringify({ inputs: ['source.ts'] }));
    at('source.ts', 1_000);
    at('hnstudio.mjs', 2_000);
    expect(freshBuild(url)?.href).toBe(new URL('hnstudio.mjs', url).href);
    at('source.ts', 3_000); // edited after the build
    expect(freshBuild(url), 'a source newer than the build').toBeNull();
    rmSync(join(dir, 'source.ts'));
    expect(freshBuild(url), 'a source gone').toBeNull();
  });
});
