/**
 * The layer rules of eslint.config.js, checked on probe files at several depths: a rule that only matched
 * `../../engine/*` would let `../../../engine/api.ts` through.
 */
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint({ cwd: new URL('..', import.meta.url).pathname });

async function ruleIds(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return result!.messages.map((m) => m.ruleId ?? m.message);
}

describe('layer rules (import-x/no-restricted-paths)', { timeout: 60_000 }, () => {
  it.each([
    ['src/ui/a/b/Probe.tsx', "import type { EngineApi } from '../../../engine/api.ts';"],
    ['src/ui/Probe.tsx', "import { getEngine } from '../engine/client.ts';"],
    ['src/core/diffusion/prompt/probe.ts', "import { useStudio } from '../../../state/store.ts';"],
    ['src/core/probe.ts', "import { OpfsFs } from '../storage/opfs-fs.ts';"],
    ['src/cli/probe.ts', "import { getEngine } from '../engine/client.ts';"],
    ['src/engine/probe.ts', "import { getEngine } from './client.ts';"],
    ['src/engine/probe.ts', "import { useStudio } from '../state/store.ts';"],
    ['src/storage/probe.ts', "import type { EngineApi } from '../engine/api.ts';"],
    ['src/pwa/probe.ts', "import type { EngineApi } from '../engine/api.ts';"],
    ['src/state/actions/probe.ts', "import { App } from '../../ui/App.tsx';"],
  ])('%s may not: %s', async (file, code) => {
    expect(await ruleIds(file, `${code}\nexport {};\n`)).toContain('import-x/no-restricted-paths');
  });

  it.each([
    ['src/state/actions/probe.ts', "import { getEngine } from '../../engine/client.ts';"],
    ['src/ui/a/Probe.tsx', "import { useStudio } from '../../state/store.ts';"],
    ['src/cli/probe.ts', "import { Engine } from '../engine/engine.ts';"],
    ['src/engine/probe.ts', "import { StudioError } from '../core/errors.ts';"],
  ])('%s may: %s', async (file, code) => {
    expect(await ruleIds(file, `${code}\nexport {};\n`)).not.toContain('import-x/no-restricted-paths');
  });

  it('relative imports name their file: no extension-less or folder imports', async () => {
    expect(await ruleIds('src/core/probe.ts', "import { StudioError } from './errors';\nexport {};\n")).toContain('import-x/extensions');
  });
});
