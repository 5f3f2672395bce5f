/**
 * Runs once before the e2e tests, after Playwright's web server is up. When a running server is reused
 * (E2E_REUSE_SERVER=1), it must serve this checkout's build: its index.html names the hashed bundles of the
 * dist/ just built here, and another checkout's (or an old) build names others, so the tests would silently
 * exercise the wrong code.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { FullConfig } from '@playwright/test';

export default async function globalSetup(config: FullConfig): Promise<void> {
  const baseURL = config.projects[0]?.use.baseURL;
  if (!baseURL) return;
  const built = path.resolve('dist/index.html');
  if (!existsSync(built)) throw new Error('No build in dist/: the tests run against the production build (`npm run test:e2e` builds it).');
  const local = readFileSync(built, 'utf8');
  const served = await (await fetch(baseURL)).text();
  if (served !== local) {
    throw new Error(
      `The server at ${baseURL} does not serve this checkout's build (its index.html differs from dist/index.html). ` +
        'Stop it, or pick a free port with E2E_PORT=<port>.',
    );
  }
}
