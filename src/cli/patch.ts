/**
 * hnstudio patch UNET.onnx --hypernetwork A.pt[:STRENGTH] [--hypernetwork B.pt[:STRENGTH]]… [--bake] [--standalone] --out OUT.onnx
 * Writes the U-Net with the hypernetworks' attn1/attn2 MLPs in the graph: original inputs and outputs plus one
 * float32 [1] input `hypernetwork_strength_<i>` per hypernetwork, or, with --bake, the strengths (1 when
 * omitted) as constants and exactly the original inputs. By default OUT.onnx lies beside UNET.onnx and
 * references its weights where they are (a 3.4 GB U-Net is not copied); --standalone writes a self-contained
 * OUT.onnx + OUT.onnx_data. The input is read as a skeleton (never whole): any size works.
 */
import { closeSync, openSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { StudioError } from '../core/errors.ts';
import { externalLocations, relocateExternal } from '../core/onnx/external.ts';
import { patchModel, type PatchReport, type StackEntry } from '../core/onnx/patch.ts';
import { decodeModel, encodeModel } from '../core/onnx/proto.ts';
import { scanModel } from '../core/onnx/scan.ts';
import { checkReferences, type WeightFile } from '../core/onnx/weights.ts';
import { diskFile, fsModelSource } from './fs-model-source.ts';
import { parse } from './args.ts';
import { UsageError } from './errors.ts';
import { readHypernetworkFile } from './read-file.ts';

/** `A.pt:0.8` → path and strength; a suffix that is not a number stays part of the path. */
export function parseHypernetworkArg(arg: string): { path: string; strength?: number } {
  const colon = arg.lastIndexOf(':');
  if (colon <= 0) return { path: arg };
  const suffix = arg.slice(colon + 1);
  if (!/^\s*[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?\s*$/i.test(suffix)) {
    if (/[\\/]/.test(suffix) || colon === 1) return { path: arg }; // C:\… or a path containing ':'
    throw new UsageError(`bad strength "${suffix}" in --hypernetwork ${arg} (expected FILE.pt:NUMBER)`);
  }
  return { path: arg.slice(0, colon), strength: Number(suffix) };
}

export function describePatch(report: Pick<PatchReport, 'widths' | 'unused' | 'strengthInputs'>, stack: number): string {
  const parts = report.widths
    .filter((w) => w.hypernetworks.length)
    .map((w) => `${w.width} → ${[w.attn1 ? `${w.attn1} self-attention` : '', w.attn2 ? `${w.attn2} cross-attention` : ''].filter(Boolean).join(' + ')} layers`);
  const unused = report.unused.map((u) => `${u.width} (hypernetwork ${u.hypernetwork})`);
  return [
    `${stack} hypernetwork${stack === 1 ? '' : 's'}: ${parts.join('; ') || 'no attention layer of a matching width'}`,
    unused.length ? `unused widths: ${unused.join(', ')}` : '',
    report.strengthInputs.length ? `strength inputs (float32 [1]): ${report.strengthInputs.join(', ')}` : 'strengths baked',
  ]
    .filter(Boolean)
    .join('\n');
}

export async function patchCommand(args: string[]): Promise<void> {
  const { positionals, values } = parse(
    args,
    { hypernetwork: { type: 'string', multiple: true }, bake: { type: 'boolean' }, standalone: { type: 'boolean' }, out: { type: 'string' } },
    ['UNET.onnx'],
  );
  if (!values.out) throw new UsageError('missing --out OUT.onnx');
  const specs = (values.hypernetwork ?? []).map(parseHypernetworkArg);
  if (!specs.length) throw new UsageError('give at least one --hypernetwork FILE.pt[:STRENGTH]');
  const input = resolve(positionals[0]!);
  const out = resolve(values.out);
  if (out === input) throw new UsageError('--out must differ from the input model');
  const folder = dirname(input);
  if (!values.standalone && dirname(out) !== folder) {
    throw new UsageError(`--out must be in the folder of ${positionals[0]} (it references the weights there), or add --standalone to write a self-contained OUT.onnx + OUT.onnx_data`);
  }

  const stack: StackEntry[] = [];
  for (const s of specs) stack.push({ hypernetwork: await readHypernetworkFile(s.path), strength: s.strength });
  // the graph without its weights: every weight is a reference into the input file or its external data
  const self = diskFile(input);
  const model = decodeModel((await scanModel(self, { selfLocation: basename(input), what: positionals[0]! })).skeleton);
  const files = new Map<string, WeightFile>([[basename(input), self]]);
  const source = fsModelSource(folder);
  for (const location of externalLocations(model)) {
    if (files.has(location)) continue;
    const file = await source.open(location);
    if (!file) throw new StudioError('missing-file', `${positionals[0]} needs ${location} (its external weights), which is not beside it.`, { path: location });
    files.set(location, file);
  }
  checkReferences(model, files, positionals[0]!);
  const report = patchModel(model, stack, { bake: values.bake ?? false });

  const dataName = `${basename(out)}_data`;
  if (files.has(basename(out)) || (values.standalone && files.has(dataName) && dirname(out) === folder)) {
    throw new UsageError(`--out would overwrite a file ${positionals[0]} reads; choose another name`);
  }
  // written under temporary names and renamed at the end: a failure leaves an existing OUT pair as it was
  const tmp = `.tmp-${process.pid}`;
  const dataPath = join(dirname(out), dataName);
  let fdOut: number | undefined;
  let size = 0;
  try {
    if (values.standalone) {
      size = relocateExternal(
        model,
        dataName,
        (location, offset, length) => files.get(location)!.readSync!(offset, length),
        (bytes, offset) => {
          fdOut ??= openSync(dataPath + tmp, 'w');
          writeSync(fdOut, bytes, 0, bytes.length, offset);
        },
      );
    }
    writeFileSync(out + tmp, encodeModel(model));
    if (fdOut !== undefined) {
      closeSync(fdOut);
      fdOut = undefined;
      renameSync(dataPath + tmp, dataPath);
    }
    renameSync(out + tmp, out);
  } finally {
    if (fdOut !== undefined) closeSync(fdOut);
    for (const path of [dataPath + tmp, out + tmp]) rmSync(path, { force: true });
  }
  const where = values.standalone ? (size ? ` + ${dataName} (${(size / 2 ** 20).toFixed(1)} MiB)` : '') : ` (weights referenced in ${[...files.keys()].join(', ')})`;
  console.log(`wrote ${values.out}${where}\n${describePatch(report, stack.length)}`);
  if (!values.bake && specs.some((s) => s.strength !== undefined)) console.log('note: FILE.pt:STRENGTH is used with --bake only; otherwise feed the strength inputs at run time');
}
