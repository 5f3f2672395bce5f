/**
 * Builds torch.save-style hypernetwork files for hostile tests: any tensor view (storage, offset, shape,
 * stride), any metadata value, raw pickle opcodes, inside a zip made by `zip-writer.ts`.
 */
import { Pickler, writeMeta, writeTensor, type Meta, type TensorView } from '../support/torch-pickler.ts';
import { writeZip, type ZipFileSpec, type ZipSpec } from './zip-writer.ts';

export { Pickler, writeMeta, writeTensor, type Meta, type TensorView } from '../support/torch-pickler.ts';

const enc = new TextEncoder();

export type StateDict = Record<string, TensorView>;

/** The top-level dict: width → (K, V) OrderedDicts, then metadata. */
export function hypernetworkPickle(widths: [number, StateDict, StateDict][], meta: Record<string, Meta>): Uint8Array {
  const p = new Pickler();
  p.op(0x80, 2, 0x7d).op(0x28);
  const stateDict = (sd: StateDict): void => {
    p.global('collections', 'OrderedDict').op(0x29, 0x52).op(0x28);
    for (const [key, t] of Object.entries(sd)) {
      p.str(key);
      writeTensor(p, t);
    }
    p.op(0x75);
  };
  for (const [width, k, v] of widths) {
    p.int(width);
    stateDict(k);
    stateDict(v);
    p.op(0x86);
  }
  for (const [key, value] of Object.entries(meta)) {
    p.str(key);
    writeMeta(p, value);
  }
  return p.op(0x75, 0x2e).bytes();
}

/** A `[1, 2, 1]` linear module of width `d` over storages `${base}0…${base}3`. */
export function linearModule(d: number, base: number): StateDict {
  const h = 2 * d;
  return {
    'linear.0.weight': { key: String(base), numel: h * d, shape: [h, d] },
    'linear.0.bias': { key: String(base + 1), numel: h, shape: [h] },
    'linear.1.weight': { key: String(base + 2), numel: d * h, shape: [d, h] },
    'linear.1.bias': { key: String(base + 3), numel: d, shape: [d] },
  };
}

export const LINEAR_META: Record<string, Meta> = { layer_structure: [{ f: 1 }, { f: 2 }, { f: 1 }], activation_func: 'linear', name: 'hostile' };

/** float32 bytes of `n` elements with a recognisable pattern */
export function floats(n: number, scale = 0.01): Uint8Array {
  const f = Float32Array.from({ length: n }, (_, i) => ((i % 17) - 8) * scale);
  return new Uint8Array(f.buffer);
}

/** The storages a set of state dicts needs, each filled to its declared element count. */
export function storagesFor(...dicts: StateDict[]): Record<string, Uint8Array> {
  const out: Record<string, Uint8Array> = {};
  for (const sd of dicts) for (const t of Object.values(sd)) out[t.key] ??= floats(t.numel);
  return out;
}

/** A torch.save zip: data.pkl, data/<key> records, version. `tweak` may lie about any record. */
export function torchZip(pickle: Uint8Array, storages: Record<string, Uint8Array>, tweak: (files: ZipFileSpec[], spec: ZipSpec) => void = () => {}, archive = 'archive'): Uint8Array {
  const files: ZipFileSpec[] = [{ name: `${archive}/data.pkl`, data: pickle }];
  for (const [key, data] of Object.entries(storages)) files.push({ name: `${archive}/data/${key}`, data });
  files.push({ name: `${archive}/version`, data: enc.encode('3\n') });
  const spec: ZipSpec = { files };
  tweak(files, spec);
  return writeZip(spec);
}

/** A small valid hypernetwork (width 8, `[1, 2, 1]`, linear) as a torch zip. */
export function smallHypernetwork(tweak?: Parameters<typeof torchZip>[2]): Uint8Array {
  const k = linearModule(8, 0);
  const v = linearModule(8, 4);
  return torchZip(hypernetworkPickle([[8, k, v]], LINEAR_META), storagesFor(k, v), tweak);
}
