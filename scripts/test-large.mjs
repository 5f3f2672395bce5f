#!/usr/bin/env node
/**
 * `npm run test:large`: the app and the CLI on real SD1.5 dimensions (random weights). Not part of `npm test`:
 * it needs Debian's PyTorch once (≈10 min, ≈10 GB RAM, ≈13 GB of disk in .cache/sd15) and takes a while.
 *  1. tools/large-model/make_sd15.py writes the pipeline in three export layouts, make_sd15_a1111.py the same
 *     weights as an A1111 .safetensors (each skipped when up to date);
 *  2. Vitest, test/large/: each network vs PyTorch, native CLI generation, WASM refusal, fp16 drift;
 *  3. Playwright, e2e-large/: import through the UI (as is, and converted to fp16), load and generate on the
 *     software WebGPU adapter, the WASM refusal shown in the page.
 * Options: --node (steps 1–2 only), --browser (steps 1 and 3).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const PYTHON = '/usr/bin/python3';
const args = process.argv.slice(2);
const node = !args.includes('--browser');
const browser = !args.includes('--node');

function run(cmd, argv, env = {}) {
  const r = spawnSync(cmd, argv, { stdio: 'inherit', env: { ...process.env, ...env } });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

try {
  execFileSync(PYTHON, ['-c', 'import torch, onnx'], { stdio: 'ignore' });
} catch {
  console.error(`test:large needs Debian's PyTorch to write its models once:\n  sudo apt-get install -y python3-torch python3-onnx python3-pil libopenblas0-openmp`);
  process.exit(1);
}
run(PYTHON, ['tools/large-model/make_sd15.py', '--out', '.cache/sd15'], { OMP_NUM_THREADS: '2' });
// the same weights as an A1111 checkpoint (LDM keys), for the checkpoint conversion test
run(PYTHON, ['tools/large-model/make_sd15_a1111.py', '--out', '.cache/sd15'], { OMP_NUM_THREADS: '2' });
if (node) run('npx', ['vitest', 'run', '-c', 'vitest.large.config.ts']);
if (browser) {
  if (!existsSync('dist/index.html')) run('npx', ['vite', 'build']);
  run('npx', ['playwright', 'test', '-c', 'playwright.large.config.ts']);
}
