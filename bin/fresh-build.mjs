/**
 * Whether the CLI built by scripts/build-cli.mjs may run: it exists and none of the source files it was built
 * from (dist-cli/inputs.json) is missing or newer than it. A checkout whose sources were edited, pulled or
 * switched since the last build runs the sources through tsx instead, so it never runs stale code.
 * @param {URL} dir the build folder
 * @returns {URL | null} the module to import, or null to use the sources
 */
import { readFileSync, statSync } from 'node:fs';

export function freshBuild(dir) {
  const entry = new URL('hnstudio.mjs', dir);
  try {
    const built = statSync(entry).mtimeMs;
    const { inputs } = JSON.parse(readFileSync(new URL('inputs.json', dir), 'utf8'));
    for (const input of inputs) if (statSync(new URL(input, dir)).mtimeMs > built) return null;
    return entry;
  } catch {
    return null; // no build, or a source it lists is gone
  }
}
