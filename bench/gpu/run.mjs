#!/usr/bin/env node
/**
 * `npm run bench:gpu [-- --size 512 --runs 10]`: exports the SD1.5-dimension fp16 pipeline on the GPU with
 * PyTorch (once, into .cache/sd15-gpu), times PyTorch fp16 there (the anchor), then the engine's networks on
 * native onnxruntime's WebGPU provider, printing each against the anchor. See bench/README.md.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const DIR = '.cache/sd15-gpu';
const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const size = opt('size', '512');
const runs = opt('runs', '10');
const backend = opt('backend', 'webgpu');
const python = opt('python', 'python3');

function run(cmd, argv) {
  console.log(`$ ${cmd} ${argv.join(' ')}`);
  const r = spawnSync(cmd, argv, { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

if (!existsSync(`${DIR}/unet/model.onnx`)) run(python, ['bench/gpu/torch_anchor.py', '--export', DIR]);
run(python, ['bench/gpu/torch_anchor.py', '--bench', `${DIR}/anchor.json`, '--size', size, '--runs', runs]);
run(process.execPath, ['--import', 'tsx', 'bench/gpu.ts', '--model', DIR, '--anchor', `${DIR}/anchor.json`, '--size', size, '--runs', runs, '--backend', backend]);
