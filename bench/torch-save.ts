/**
 * A minimal `torch.save` writer for benchmarks and fuzz seeds: an A1111 hypernetwork dict (int widths →
 * (K, V) OrderedDicts of float32 tensors, then metadata) pickled with protocol 2 inside a STORED zip whose
 * records start on 64-byte boundaries, as torch writes them. Not used by the app.
 */

import { crc32 } from '../src/core/formats/crc32.ts';
import { Pickler, writeTensor } from '../test/support/torch-pickler.ts';

const enc = new TextEncoder();

export interface TensorSpec {
  key: string;
  shape: number[];
  data: Float32Array;
}

export interface HypernetworkSpec {
  name: string;
  layerStructure: number[];
  /** width → [K tensors, V tensors] */
  modules: Map<number, [TensorSpec[], TensorSpec[]]>;
}

function pickleHypernetwork(spec: HypernetworkSpec): { pickle: Uint8Array; storages: Float32Array[] } {
  const p = new Pickler();
  const storages: Float32Array[] = [];
  const tensor = (t: TensorSpec): void => {
    writeTensor(p, { key: String(storages.length), numel: t.data.length, shape: t.shape });
    storages.push(t.data);
  };
  const stateDict = (tensors: TensorSpec[]): void => {
    p.global('collections', 'OrderedDict').op(0x29, 0x52).put();
    p.op(0x28);
    for (const t of tensors) {
      p.str(t.key);
      tensor(t);
    }
    p.op(0x75); // SETITEMS
  };
  p.op(0x80, 2, 0x7d).put();
  p.op(0x28);
  for (const [width, [k, v]] of spec.modules) {
    p.int(width);
    stateDict(k);
    stateDict(v);
    p.op(0x86); // TUPLE2
  }
  p.str('step').int(0).str('name').str(spec.name);
  p.str('layer_structure').op(0x5d, 0x28);
  spec.layerStructure.forEach((x) => p.float(x));
  p.op(0x65); // APPENDS
  p.str('activation_func').str('linear').str('is_layer_norm').op(0x89).str('use_dropout').op(0x89);
  p.str('activate_output').op(0x89).str('sd_checkpoint').op(0x4e).str('sd_checkpoint_name').op(0x4e);
  p.op(0x75, 0x2e); // SETITEMS STOP
  return { pickle: p.bytes(), storages };
}

/** A STORED zip with every entry's data aligned to 64 bytes (torch's own `FB` padding field). */
export function storedZip(files: [string, Uint8Array][]): Uint8Array {
  const parts: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  for (const [name, data] of files) {
    const nameBytes = enc.encode(name);
    const pad = (64 - ((offset + 30 + nameBytes.length + 4) % 64)) % 64;
    const header = new Uint8Array(30 + nameBytes.length + 4 + pad);
    const dv = new DataView(header.buffer);
    const crc = crc32(data);
    dv.setUint32(0, 0x04034b50, true);
    dv.setUint16(4, 20, true);
    dv.setUint32(14, crc, true);
    dv.setUint32(18, data.length, true);
    dv.setUint32(22, data.length, true);
    dv.setUint16(26, nameBytes.length, true);
    dv.setUint16(28, 4 + pad, true);
    header.set(nameBytes, 30);
    dv.setUint16(30 + nameBytes.length, 0x4246, true); // "FB"
    dv.setUint16(32 + nameBytes.length, pad, true);
    header.fill(0x5a, 34 + nameBytes.length);
    const cd = new Uint8Array(46 + nameBytes.length);
    const cv = new DataView(cd.buffer);
    cv.setUint32(0, 0x02014b50, true);
    cv.setUint16(4, 20, true);
    cv.setUint16(6, 20, true);
    cv.setUint32(16, crc, true);
    cv.setUint32(20, data.length, true);
    cv.setUint32(24, data.length, true);
    cv.setUint16(28, nameBytes.length, true);
    cv.setUint32(42, offset, true);
    cd.set(nameBytes, 46);
    parts.push(header, data);
    central.push(cd);
    offset += header.length + data.length;
  }
  const cdSize = central.reduce((a, c) => a + c.length, 0);
  const eocd = new Uint8Array(22);
  const ev = new DataView(eocd.buffer);
  ev.setUint32(0, 0x06054b50, true);
  ev.setUint16(8, files.length, true);
  ev.setUint16(10, files.length, true);
  ev.setUint32(12, cdSize, true);
  ev.setUint32(16, offset, true);
  const out = new Uint8Array(offset + cdSize + 22);
  let at = 0;
  for (const p of [...parts, ...central, eocd]) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Serializes a hypernetwork as torch.save would (zip format, protocol 2). */
export function saveHypernetwork(spec: HypernetworkSpec, archive = 'archive'): Uint8Array {
  const { pickle, storages } = pickleHypernetwork(spec);
  const files: [string, Uint8Array][] = [[`${archive}/data.pkl`, pickle]];
  storages.forEach((s, i) => files.push([`${archive}/data/${i}`, new Uint8Array(s.buffer, s.byteOffset, s.byteLength)]));
  files.push([`${archive}/version`, enc.encode('3\n')]);
  return storedZip(files);
}

/**
 * A `[1, 2, 1]` linear fp32 hypernetwork (A1111's UI default) over `widths`, weights uniform in
 * ±`amplitude` from a seeded LCG.
 */
export function linearHypernetwork(name: string, widths: readonly number[], seed: number, amplitude: number): HypernetworkSpec {
  let s = seed >>> 0;
  const rand = (): number => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s / 2 ** 32 - 0.5) * 2 * amplitude;
  };
  const fill = (n: number): Float32Array => Float32Array.from({ length: n }, rand);
  const modules = new Map<number, [TensorSpec[], TensorSpec[]]>();
  for (const d of widths) {
    const mod = (): TensorSpec[] => [
      { key: 'linear.0.weight', shape: [2 * d, d], data: fill(2 * d * d) },
      { key: 'linear.0.bias', shape: [2 * d], data: fill(2 * d) },
      { key: 'linear.1.weight', shape: [d, 2 * d], data: fill(2 * d * d) },
      { key: 'linear.1.bias', shape: [d], data: fill(d) },
    ];
    modules.set(d, [mod(), mod()]);
  }
  return { name, layerStructure: [1, 2, 1], modules };
}

/** A1111's default SD1 hypernetwork: widths 768/320/640/1280, `[1, 2, 1]`, linear, fp32 (~88 MB). */
export function sd1Hypernetwork(seed = 1): HypernetworkSpec {
  return linearHypernetwork('bench-sd1', [768, 320, 640, 1280], seed, 0.01);
}
