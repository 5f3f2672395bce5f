/**
 * Hostile `.pt` files, each from a tiny recipe: zip lies, DEFLATE bombs, pickle bombs, tensor views that
 * claim far more elements than the file holds, and hostile metadata. `expect` is the outcome the reader must
 * give (an error code, or `valid`); `big` ones are made at test time instead of being committed.
 */
import { deflateBomb } from './deflate-bomb.ts';
import type { Recipe } from './recipe.ts';
import { hypernetworkPickle, LINEAR_META, linearModule, Pickler, smallHypernetwork, storagesFor, torchZip, writeMeta, type Meta, type StateDict } from './torch-writer.ts';

const enc = new TextEncoder();
const pt = (name: string, what: string, expect: string, make: () => Uint8Array, big = false): Recipe => ({ name, kind: 'pt', what, expect, make, big });

/** A width-8 hypernetwork whose metadata is `meta` (over the linear defaults). */
function withMeta(meta: Record<string, Meta>): Uint8Array {
  const k = linearModule(8, 0);
  const v = linearModule(8, 4);
  return torchZip(hypernetworkPickle([[8, k, v]], { ...LINEAR_META, ...meta }), storagesFor(k, v));
}

/** A hypernetwork whose data.pkl is `pickle` (no storages). */
const pickleOnly = (pickle: Uint8Array): Uint8Array => torchZip(pickle, {});

/** A valid small hypernetwork pickle with extra ops spliced in before the final SETITEMS/STOP. */
function spliced(extra: (p: Pickler) => void): Uint8Array {
  const k = linearModule(8, 0);
  const v = linearModule(8, 4);
  const valid = hypernetworkPickle([[8, k, v]], LINEAR_META);
  const p = new Pickler().raw(valid.subarray(0, valid.length - 2));
  extra(p);
  return torchZip(p.op(0x75, 0x2e).bytes(), storagesFor(k, v));
}

/**
 * A valid file whose pickle holds 100,000 keys in one SETITEMS of an ignored dict (seconds of parsing). `variant`
 * names the ignored key, so several of them differ in their bytes (the app keeps one card per distinct file).
 */
export function setitems100k(variant = ''): Uint8Array {
  return spliced((p) => {
    p.str(`junk${variant}`).op(0x7d, 0x28);
    for (let i = 0; i < 100_000; i++) p.int(i).op(0x4e);
    p.op(0x75);
  });
}

/** Every tensor of a width-`d` module a view of one storage of `numel` elements with the given strides. */
function viewsOfOne(d: number, numel: number, stride: (shape: number[]) => number[], layerStructure: number[] = [1, 2, 1]): Uint8Array {
  const sizes = layerStructure.map((m) => Math.trunc(d * m));
  const sd: StateDict = {};
  for (let i = 0; i + 1 < sizes.length; i++) {
    const w = [sizes[i + 1]!, sizes[i]!];
    sd[`linear.${i}.weight`] = { key: '0', numel, shape: w, stride: stride(w) };
    sd[`linear.${i}.bias`] = { key: '0', numel, shape: [sizes[i + 1]!], stride: stride([sizes[i + 1]!]) };
  }
  const meta = { ...LINEAR_META, layer_structure: layerStructure.map((f) => ({ f })) };
  return torchZip(hypernetworkPickle([[d, sd, sd]], meta), { '0': new Uint8Array(numel * 4) });
}

export const PT_RECIPES: Recipe[] = [
  pt('zip-stored-overclaim', 'a STORED tensor record whose directory claims 64× the bytes it stores (the out-of-bounds read)', 'zip-inconsistent', () =>
    smallHypernetwork((files) => {
      const f = files.find((x) => x.name === 'archive/data/3')!;
      f.central = { size: f.data.length * 64, compressedSize: f.data.length * 64 };
    }),
  ),
  pt('zip-size-only-overclaim', 'a STORED record whose directory size (not compressed size) is larger', 'zip-inconsistent', () =>
    smallHypernetwork((files) => {
      files[1]!.central = { size: 1 << 20 };
    }),
  ),
  pt('zip-local-name-mismatch', "data.pkl's local header names another file", 'zip-inconsistent', () =>
    smallHypernetwork((files) => {
      files[0]!.local = { name: 'archive/data.pk1' };
    }),
  ),
  pt('zip-local-method-mismatch', 'the local header says DEFLATE, the directory STORED', 'zip-inconsistent', () =>
    smallHypernetwork((files) => {
      files[2]!.local = { method: 8 };
    }),
  ),
  pt('zip-descriptor-lie', 'a data descriptor whose sizes disagree with the directory', 'zip-inconsistent', () =>
    smallHypernetwork((files) => {
      files[2]!.descriptorBytes = Uint8Array.from([0x50, 0x4b, 0x07, 0x08, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0]);
    }),
  ),
  pt('zip-aliased-entries', '32 directory entries aliasing one DEFLATE stream (one stream inflated 32 times)', 'zip-inconsistent', () =>
    smallHypernetwork((files, spec) => {
      files[1]!.method = 8;
      spec.aliases = Array.from({ length: 32 }, (_, i) => ({ name: `archive/data/${100 + i}`, of: files[1]!.name }));
    }),
  ),
  pt('zip-overlapping-entries', 'a record whose stored bytes run over the next local header', 'zip-inconsistent', () =>
    smallHypernetwork((files) => {
      const f = files[1]!;
      f.descriptor = false;
      f.central = { size: f.data.length + 200, compressedSize: f.data.length + 200 };
      f.local = { size: f.data.length + 200, compressedSize: f.data.length + 200 };
    }),
  ),
  pt('zip-count-lie', 'end records claiming 2^40 entries', 'limit-exceeded', () =>
    smallHypernetwork((_files, spec) => {
      spec.claimedCount = 2 ** 40;
    }),
  ),
  pt('zip-count-overflow', 'end records claiming 60,000 entries in a small directory', 'corrupt-zip', () =>
    smallHypernetwork((_files, spec) => {
      spec.claimedCount = 60_000;
    }),
  ),
  pt('zip-pickle-crc', 'data.pkl whose bytes do not match its CRC-32', 'corrupt-zip', () =>
    smallHypernetwork((files) => {
      files[0]!.central = { crc: 0x12345678 };
      files[0]!.descriptorBytes = new Uint8Array([0x50, 0x4b, 0x07, 0x08, 0x78, 0x56, 0x34, 0x12, ...new Uint8Array(new Uint32Array([files[0]!.data.length, files[0]!.data.length]).buffer)]);
    }),
  ),
  pt('zip-encrypted', 'a record flagged as encrypted', 'unsupported-compression', () =>
    smallHypernetwork((files) => {
      files[1]!.central = { flags: 0x0809 };
      files[1]!.local = { flags: 0x0809, crc: 0, size: 0, compressedSize: 0 };
    }),
  ),
  pt('zip-deflate-declared-4g', 'a DEFLATE record declaring 4 GB (a bomb by its header)', 'limit-exceeded', () =>
    smallHypernetwork((files) => {
      const f = files[1]!;
      const { stream } = deflateBomb(0);
      Object.assign(f, { method: 8, stream, descriptor: false, central: { size: 0xfffffff0 }, local: { size: 0xfffffff0, compressedSize: stream.length } });
    }),
  ),
  pt('zip-deflate-bomb-256m', 'a 256 KB DEFLATE stream inflating to 256 MB, declared honestly, for a tiny hypernetwork', 'limit-exceeded', () =>
    smallHypernetwork((files) => {
      const f = files[1]!;
      const { stream, size } = deflateBomb(256 << 20);
      Object.assign(f, { method: 8, stream, descriptor: false, central: { size, crc: 0 }, local: { size, compressedSize: stream.length, crc: 0 } });
    }), true,
  ),
  pt('zip-deflate-overflow', 'a DEFLATE stream that inflates far past the size its header declares', 'corrupt-zip', () =>
    smallHypernetwork((files) => {
      const f = files[1]!;
      const { stream } = deflateBomb(64 << 20);
      Object.assign(f, { method: 8, stream });
    }), true,
  ),
  pt('pickle-appends-300k', '300,000 items in one APPENDS (a spread push overflowed the call stack)', 'limit-exceeded', () =>
    spliced((p) => {
      p.str('junk').op(0x5d, 0x28);
      for (let i = 0; i < 300_000; i++) p.op(0x4e);
      p.op(0x65);
    }), true,
  ),
  pt('pickle-appends-200k', '200,000 items in one APPENDS of an ignored key: valid, no stack overflow', 'valid', () =>
    spliced((p) => {
      p.str('junk').op(0x5d, 0x28);
      for (let i = 0; i < 200_000; i++) p.op(0x4e);
      p.op(0x65);
    }), true,
  ),
  pt('pickle-setitems-100k', '100,000 keys in one SETITEMS of an ignored dict: valid', 'valid', () => setitems100k(), true),
  pt('pickle-tuple-key-laughs', 'a dict key of tuples of tuples doubled 40 times through the memo (billion laughs)', 'limit-exceeded', () =>
    spliced((p) => {
      p.str('junk').op(0x7d).op(0x4e);
      let id = p.put();
      p.op(0x30); // POP: only the memo keeps the tuples
      for (let i = 0; i < 40; i++) {
        p.get(id).get(id).op(0x86);
        id = p.put();
        p.op(0x30);
      }
      p.get(id).op(0x4e, 0x73); // SETITEM: the 2^40-leaf tuple as a key
    }),
  ),
  pt('pickle-memo-flood', '300,000 memo puts of one value', 'limit-exceeded', () =>
    spliced((p) => {
      p.str('junk').op(0x4e);
      for (let i = 0; i < 300_000; i++) p.put();
    }), true,
  ),
  pt('pickle-int-text-huge', 'a protocol-0 INT with 200,000 digits', 'limit-exceeded', () =>
    spliced((p) => {
      p.str('junk').op(0x49).raw(enc.encode(`${'9'.repeat(200_000)}\n`));
    }), true,
  ),
  pt('pickle-long-text-huge', 'a protocol-0 LONG with 10,500 digits (LONG1/LONG4 are capped at 9,865)', 'limit-exceeded', () =>
    spliced((p) => {
      p.str('junk').op(0x4c).raw(enc.encode(`${'7'.repeat(10_500)}L\n`));
    }),
  ),
  pt('pickle-long4-huge', 'a LONG4 of 16 MB (declared)', 'limit-exceeded', () =>
    spliced((p) => {
      p.str('junk').op(0x8b, 0, 0, 0, 1);
    }),
  ),
  pt('pickle-bad-codepoint', 'a protocol-0 UNICODE with \\U00110000', 'malformed-pickle', () =>
    spliced((p) => {
      p.str('junk').op(0x56).raw(enc.encode('x\\U00110000\n'));
    }),
  ),
  pt('pickle-binunicode8-huge', 'a BINUNICODE8 declaring 2^60 bytes', 'truncated', () =>
    spliced((p) => {
      p.str('junk').op(0x8d, 0, 0, 0, 0, 0, 0, 0, 0x10);
    }),
  ),
  pt('pickle-global-name-1mb', 'a forbidden global with a 1 MB module name (the message stays short)', 'forbidden-global', () =>
    spliced((p) => {
      p.str('junk').op(0x63).raw(enc.encode(`${'os'.repeat(500_000)}\nsystem\n`));
    }), true,
  ),
  pt('pickle-nested-lists', 'lists nested 1,000 deep', 'limit-exceeded', () =>
    spliced((p) => {
      p.str('junk');
      for (let i = 0; i < 1000; i++) p.op(0x5d);
      for (let i = 0; i < 1000 - 1; i++) p.op(0x61);
    }),
  ),
  pt('pickle-top-tuple', 'a pickle holding a tuple, not a dict (the message names it)', 'not-a-hypernetwork', () =>
    pickleOnly(new Pickler().op(0x80, 2).int(1).int(2).op(0x86, 0x2e).bytes()),
  ),
  pt('tensor-zero-stride-256m', 'a 1-element storage viewed as [16384, 16384] with zero strides', 'limit-exceeded', () =>
    viewsOfOne(16384, 1, (shape) => shape.map(() => 0), [1, 1, 1]),
  ),
  pt('tensor-overlapping-views', 'width 4096, [1, 4, 1]: every weight an overlapping view of one 4 K-element storage', 'limit-exceeded', () =>
    viewsOfOne(4096, 1 << 12, (shape) => shape.map((_, k) => (k === shape.length - 1 ? 1 : 0)), [1, 4, 1]),
  ),
  pt('tensor-offset-beyond', 'a tensor whose offset lies 2^40 elements past its storage', 'bad-tensor', () => {
    const k = linearModule(8, 0);
    k['linear.0.bias'] = { ...k['linear.0.bias']!, offset: 2 ** 40 };
    const v = linearModule(8, 4);
    return torchZip(hypernetworkPickle([[8, k, v]], LINEAR_META), storagesFor(k, v));
  }),
  pt('tensor-storage-numel-lie', 'a storage declaring more elements than its record holds', 'storage-size', () => {
    const k = linearModule(8, 0);
    const v = linearModule(8, 4);
    const storages = storagesFor(k, v);
    storages['0'] = storages['0']!.subarray(0, 16);
    return torchZip(hypernetworkPickle([[8, k, v]], LINEAR_META), storages);
  }),
  pt('meta-layer-structure-100', 'a 100-entry layer_structure', 'invalid-metadata', () => withMeta({ layer_structure: [{ f: 1 }, ...Array.from({ length: 98 }, () => ({ f: 2 })), { f: 1 }] })),
  pt('meta-layer-structure-1m', 'a 1,000,000-entry layer_structure (the call stack overflowed)', 'limit-exceeded', () => withMeta({ layer_structure: Array.from({ length: 1_000_000 }, () => ({ f: 1 })) }), true),
  pt('meta-layer-multiplier-huge', 'layer_structure [1, 1e6, 1]', 'invalid-metadata', () => withMeta({ layer_structure: [{ f: 1 }, { f: 1e6 }, { f: 1 }] })),
  pt('meta-dropout-nan', 'dropout_structure [0, NaN, 0]', 'invalid-metadata', () => withMeta({ dropout_structure: [{ f: 0 }, { f: NaN }, { f: 0 }] })),
  pt('meta-dropout-negative', 'dropout_structure [0, -0.5, 0]', 'invalid-metadata', () => withMeta({ dropout_structure: [{ f: 0 }, { f: -0.5 }, { f: 0 }] })),
  pt('meta-activation-tuple', 'activation_func is a tuple (the message names its type)', 'invalid-metadata', () =>
    spliced((p) => {
      p.str('activation_func').op(0x29);
    }),
  ),
  pt('meta-width-2pow40', 'a width key of 2^40', 'invalid-metadata', () => {
    const k = linearModule(8, 0);
    return torchZip(hypernetworkPickle([[2 ** 40, k, k]], LINEAR_META), storagesFor(k));
  }),
  pt('meta-name-1mb', 'a 1 MB name: valid (shown as given)', 'valid', () => withMeta({ name: 'n'.repeat(1 << 20) }), true),
  pt('legacy-magic-only', 'a legacy stream that stops after its magic number', 'truncated', () => {
    const p = new Pickler().op(0x80, 2);
    writeMeta(p, 0x1950a86a20f9469cfc6cn);
    return p.op(0x2e).bytes();
  }),
  pt('not-a-pt-png', 'a PNG given as a .pt', 'not-a-torch-file', () => Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0])),
  pt('empty-pt', 'an empty file', 'empty-file', () => new Uint8Array(0)),
];
