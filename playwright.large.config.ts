// `npm run test:large`, browser part: e2e-large/ against the production build, on SD1.5-dimension models from
// .cache/sd15 (tools/large-model/make_sd15.py). The base config's browser, server and port; longer timeouts,
// because a 4 GB import and a software-GPU load take minutes on 2 shared cores.
import { defineConfig } from '@playwright/test';
import base from './playwright.config.ts';

export default defineConfig({
  ...base,
  testDir: 'e2e-large',
  timeout: 1_800_000,
  expect: { timeout: 60_000 },
  reporter: [['list']],
});
