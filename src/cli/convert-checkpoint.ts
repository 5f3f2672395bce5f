/**
 * `hnstudio convert-checkpoint FILE [--config F.yaml] [--vae F] [--fp16] [--prediction auto|v|epsilon]
 * [--name NAME] --out DIR` — an A1111 checkpoint into an Optimum-layout ONNX folder the CLI and the app load,
 * through the same core as the app (`convertCheckpoint`). A1111's conventions: `<stem>.yaml` beside the file is
 * its config, `<stem>.vae.pt|.vae.ckpt|.vae.safetensors` its VAE, unless given. The folder is written under a
 * temporary name beside OUT and renamed when complete; OUT must not exist.
 */
import { existsSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { checkpointStem, convertCheckpoint, type ConvertProgress } from '../core/checkpoint/convert.ts';
import { CONFIG_SUFFIX, VAE_SUFFIXES } from '../core/checkpoint/companions.ts';
import { probeVPrediction } from '../core/checkpoint/prediction.ts';
import { parse } from './args.ts';
import { UsageError } from './errors.ts';
import { demoModelDir } from './demo-model.ts';
import { diskFile } from './fs-model-source.ts';
import { NodeStorageFs } from './node-storage-fs.ts';

/** CLIP's tokenizer files: the demo model's */
const tokenizerDir = (): string => join(demoModelDir('CLIP tokenizer files: --tokenizer DIR or the demo model'), 'tokenizer');

/** A1111's file beside the checkpoint, when there is one */
function beside(file: string, suffixes: readonly string[]): string | undefined {
  const stem = join(dirname(file), checkpointStem(basename(file)));
  return suffixes.map((s) => stem + s).find((p) => existsSync(p));
}

function progressPrinter(): (p: ConvertProgress) => void {
  let last = 0;
  return (p) => {
    const now = Date.now();
    if (!process.stderr.isTTY || now - last < 250) return;
    last = now;
    const pct = p.bytesTotal ? ((100 * p.bytesDone) / p.bytesTotal).toFixed(0) : '0';
    process.stderr.write(`\r\x1b[K${p.phase} ${pct}% ${p.file}`);
  };
}

export async function convertCheckpointCommand(args: string[]): Promise<void> {
  const { values, positionals } = parse(
    args,
    { config: { type: 'string' }, vae: { type: 'string' }, fp16: { type: 'boolean' }, prediction: { type: 'string' }, name: { type: 'string' }, tokenizer: { type: 'string' }, out: { type: 'string' } },
    ['FILE'],
  );
  const file = resolve(positionals[0]!);
  if (!values.out) throw new UsageError('--out DIR is required');
  const prediction = values.prediction ?? 'auto';
  if (!['auto', 'v', 'epsilon'].includes(prediction)) throw new UsageError(`--prediction must be auto, v or epsilon (got "${prediction}")`);
  const out = resolve(values.out);
  if (existsSync(out)) throw new UsageError(`${values.out} already exists; choose a new folder for --out`);
  const config = values.config ?? beside(file, [CONFIG_SUFFIX]);
  const vae = values.vae ?? beside(file, VAE_SUFFIXES);
  const tokenizer = values.tokenizer ?? tokenizerDir();

  const temp = `${out}.partial-${process.pid}`;
  const fs = new NodeStorageFs(temp);
  const started = performance.now();
  try {
    const result = await convertCheckpoint(
      { name: basename(file), file: diskFile(file, statSync(file).size) },
      {
        id: 'model',
        ...(values.name ? { name: values.name } : {}),
        ...(config ? { config: { name: basename(config), text: readFileSync(config, 'utf8') } } : {}),
        ...(vae ? { vae: { name: basename(vae), file: diskFile(vae) } } : {}),
        tokenizer: { vocab: readFileSync(join(tokenizer, 'vocab.json')), merges: readFileSync(join(tokenizer, 'merges.txt')) },
        prediction: prediction === 'v' ? 'v_prediction' : prediction === 'epsilon' ? 'epsilon' : 'auto',
        precision: values.fp16 ? 'fp16' : 'fp32',
        detectPrediction: async (unet) => {
          const { nativeRuntime } = await import('../engine/runtime-node.ts');
          return probeVPrediction(await nativeRuntime(), unet, 'cpu');
        },
      },
      fs,
      progressPrinter(),
    );
    if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
    renameSync(join(temp, 'models', 'model'), out);
    const { manifest, architecture: a, prediction: p } = result;
    console.log(
      [
        `wrote ${values.out}: ${a.family === 'sd1' ? 'SD 1.x' : 'SD 2.x'} (${a.text.kind === 'clip' ? 'CLIP' : 'OpenCLIP'} text encoder ${a.text.width} wide, U-Net ${a.unet.channelMult.map((m) => m * a.unet.modelChannels).join('/')}), ${manifest.storage?.precision ?? 'fp32'}, ${(manifest.totalBytes / 2 ** 20).toFixed(1)} MiB in ${manifest.files.length} files, ${((performance.now() - started) / 1000).toFixed(1)} s`,
        `prediction: ${p.value} (${p.source}${p.probeValue !== undefined ? `, probe value ${p.probeValue.toFixed(3)}` : ''})`,
        `Model: ${manifest.name}, Model hash: ${manifest.modelHash ?? '–'}`,
        ...(config ? [`config: ${config}`] : []),
        ...(vae ? [`VAE: ${vae}`] : []),
        ...(result.unusedTensors.length ? [`not used: ${result.unusedTensors.length} tensors (${result.unusedTensors.slice(0, 3).join(', ')}${result.unusedTensors.length > 3 ? ', …' : ''})`] : []),
      ].join('\n'),
    );
  } finally {
    rmSync(temp, { recursive: true, force: true });
  }
}
