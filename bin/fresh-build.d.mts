/** See fresh-build.mjs: the built CLI to run, or null to run the sources. */
export function freshBuild(dir: URL): URL | null;
