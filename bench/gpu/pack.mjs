#!/usr/bin/env node
/**
 * Packs what `bench/gpu/device.sh` needs on a GPU machine that has Python and CUDA PyTorch but no Node, into
 * `.device/` (git-ignored; carried by the device tool): this Node binary (xz), onnxruntime-node's Linux x64
 * binaries and JS, onnxruntime-common, and bench/gpu.ts bundled with the core into one file.
 *   node bench/gpu/pack.mjs
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, rmSync, statSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const OUT = '.device';
rmSync(OUT, { recursive: true, force: true });
mkdirSync(`${OUT}/node_modules`, { recursive: true });
execFileSync('sh', ['-c', `xz -9 -T2 -c "${process.execPath}" > ${OUT}/node.xz`]);
const ort = 'node_modules/onnxruntime-node';
const napi = readdirSync(`${ort}/bin`).find((d) => d.startsWith('napi-'));
for (const part of ['package.json', 'dist', `bin/${napi}/linux/x64`]) cpSync(join(ort, part), join(OUT, ort, part), { recursive: true });
cpSync('node_modules/onnxruntime-common', `${OUT}/node_modules/onnxruntime-common`, { recursive: true });
execFileSync('sh', ['-c', `xz -9 -T2 ${OUT}/${ort}/bin/${napi}/linux/x64/libonnxruntime.so.1`]);
const esbuild = await import('esbuild');
await esbuild.build({ entryPoints: ['bench/gpu.ts'], outfile: `${OUT}/gpu.mjs`, bundle: true, platform: 'node', format: 'esm', target: 'node20', external: ['onnxruntime-node'], logLevel: 'warning' });
const size = (dir) => readdirSync(dir, { recursive: true }).reduce((n, f) => n + (statSync(join(dir, f)).isFile() ? statSync(join(dir, f)).size : 0), 0);
console.log(`${OUT}: ${(size(OUT) / 2 ** 20).toFixed(1)} MiB`);
