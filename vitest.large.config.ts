// `npm run test:large`: real SD1.5-dimension models (generated into .cache/sd15 by tools/large-model/make_sd15.py).
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/large/**/*.test.ts'],
    environment: 'node',
    // one model at a time: each holds gigabytes
    fileParallelism: false,
    testTimeout: 1_800_000,
    hookTimeout: 600_000,
  },
});
