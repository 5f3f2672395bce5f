/**
 * hnstudio patch UNET.onnx --hypernetwork A.pt[:STRENGTH] [--hypernetwork B.pt[:STRENGTH]]… [--bake] --out OUT.onnx
 * Writes the U-Net with the hypernetworks' attn1/attn2 MLPs in the graph: original inputs and outputs plus one
 * float32 [1] input `hypernetwork_strength_<i>` per hypernetwork, or, with --bake, the strengths (1 when
 * omitted) as constants and exactly the original inputs. Large weights go to OUT.onnx_data.
 */
import { closeSync, fstatSync, openSync, readFileSync, readSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { StudioError } from '../core/errors.ts';
import { externalLocations, relocateExternal } from '../core/onnx/external.ts';
import { patchModel, type PatchReport, type StackEntry } from '../core/onnx/patch.ts';
import { decodeModel, encodeModel } from '../core/onnx/proto.ts';
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
  const { positionals, values } = parse(args, { hypernetwork: { type: 'string', multiple: true }, bake: { type: 'boolean' }, out: { type: 'string' } }, ['UNET.onnx']);
  const input = positionals[0]!;
  if (!values.out) throw new UsageError('missing --out OUT.onnx');
  const specs = (values.hypernetwork ?? []).map(parseHypernetworkArg);
  if (!specs.length) throw new UsageError('give at least one --hypernetwork FILE.pt[:STRENGTH]');
  const out = values.out;
  const dataName = `${basename(out)}_data`;
  const dataPath = join(dirname(out), dataName);

  const stack: StackEntry[] = [];
  for (const s of specs) stack.push({ hypernetwork: await readHypernetworkFile(s.path), strength: s.strength });
  const buf = readFileSync(input);
  const model = decodeModel(new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength));
  const report = patchModel(model, stack, { bake: values.bake ?? false });

  const sources = new Map<string, { fd: number; size: number }>();
  const folder = resolve(dirname(input));
  const read = (location: string, offset: number, length: number): Uint8Array => {
    // `location` passed checkLocation (relative, no `..`); resolving must still land inside the model's folder
    const path = resolve(folder, location);
    if (!path.startsWith(folder + sep)) throw new StudioError('unsafe-path', `${input} names external data outside its folder ("${location}").`);
    if (path === resolve(dataPath)) throw new UsageError(`--out would overwrite ${location}, which ${input} reads; choose another name`);
    let source = sources.get(path);
    if (source === undefined) {
      const fd = openSync(path, 'r');
      sources.set(path, (source = { fd, size: fstatSync(fd).size }));
    }
    const { fd } = source;
    if (offset + length > source.size) throw new StudioError('bad-model-folder', `${location} is shorter than ${input} says (${offset + length} bytes needed, ${source.size} there): truncated external data.`);
    const bytes = new Uint8Array(length);
    if (readSync(fd, bytes, 0, length, offset) !== length) throw new UsageError(`${location} is shorter than ${input} says (truncated external data)`);
    return bytes;
  };
  if (resolve(out) === resolve(input)) throw new UsageError('--out must differ from the input model');
  // every location is checked before a byte is read or written (externalRef refuses unsafe ones)
  externalLocations(model);
  // written under temporary names and renamed at the end: a failure leaves an existing OUT pair as it was
  const tmp = `.tmp-${process.pid}`;
  let fdOut: number | undefined;
  let done = false;
  try {
    const size = relocateExternal(model, dataName, read, (bytes, offset) => {
      fdOut ??= openSync(dataPath + tmp, 'w');
      writeSync(fdOut, bytes, 0, bytes.length, offset);
    });
    writeFileSync(out + tmp, encodeModel(model));
    if (fdOut !== undefined) {
      closeSync(fdOut);
      fdOut = undefined;
      renameSync(dataPath + tmp, dataPath);
    }
    renameSync(out + tmp, out);
    done = true;
    console.log(`wrote ${out}${size ? ` + ${dataName} (${(size / 2 ** 20).toFixed(1)} MiB)` : ''}\n${describePatch(report, stack.length)}`);
    if (!values.bake && specs.some((s) => s.strength !== undefined)) console.log('note: FILE.pt:STRENGTH is used with --bake only; otherwise feed the strength inputs at run time');
  } finally {
    if (fdOut !== undefined) closeSync(fdOut);
    for (const { fd } of sources.values()) closeSync(fd);
    if (!done) for (const path of [dataPath + tmp, out + tmp]) rmSync(path, { force: true });
  }
}
