import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isStudioError } from '../errors.ts';
import { externalRef, referenceOriginal } from './external.ts';
import { decodeModel, encodeModel } from './proto.ts';
import { bytesReader, scanModel, type RangeReader } from './scan.ts';
import { checkReferences, memoryWeightFile, weightStats } from './weights.ts';

const DEMO_UNET = new Uint8Array(readFileSync(new URL('../../../public/models/sd-shapes-demo/unet/model.onnx', import.meta.url)));

/** counts bytes read, to prove skipped payloads are not read */
function countingReader(bytes: Uint8Array): RangeReader & { readBytes: number } {
  const r = { size: bytes.length, readBytes: 0, read: async (o: number, l: number) => ((r.readBytes += l), bytes.slice(o, o + l)) };
  return r;
}

describe('scanModel', () => {
  it('references every large embedded initializer into the file itself, as the in-memory path does', async () => {
    const reader = countingReader(DEMO_UNET);
    const { skeleton, selfReferencedBytes } = await scanModel(reader, { selfLocation: 'model.onnx' });
    const scanned = decodeModel(skeleton);
    const expected = decodeModel(DEMO_UNET);
    const referenced = referenceOriginal(expected, DEMO_UNET, 'model.onnx');
    expect(selfReferencedBytes).toBe(referenced);
    expect(skeleton.length).toBeLessThan(DEMO_UNET.length / 20);
    // the same graph: nodes and initializers equal, each reference the same range
    expect(scanned.graph.node).toEqual(expected.graph.node);
    expect(scanned.graph.initializer.map((t) => [t.name, externalRef(t)])).toEqual(expected.graph.initializer.map((t) => [t.name, externalRef(t)]));
    // weights were skipped, not read: well under half the file came through the reader
    expect(reader.readBytes).toBeLessThan(DEMO_UNET.length / 2);
    checkReferences(scanned, new Map([['model.onnx', memoryWeightFile(DEMO_UNET)]]), 'the U-Net');
    expect(weightStats(scanned).totalBytes).toBe(weightStats(expected).totalBytes);
  });

  it('keeps existing external references and small tensors as they are', async () => {
    const { skeleton } = await scanModel(bytesReader(DEMO_UNET), { selfLocation: 'model.onnx' });
    const again = await scanModel(bytesReader(skeleton), { selfLocation: 'other.onnx' });
    expect(again.selfReferencedBytes).toBe(0);
    expect(decodeModel(again.skeleton)).toEqual(decodeModel(skeleton));
  });

  it.each([
    ['truncated', DEMO_UNET.subarray(0, DEMO_UNET.length - 1000)],
    ['random bytes', Uint8Array.from({ length: 5000 }, (_, i) => (i * 7919) % 251)],
    ['a length prefix of 2^60', Uint8Array.of(0x3a, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x10)],
    ['no graph', Uint8Array.of(0x08, 0x07)],
    ['empty', new Uint8Array(0)],
  ])('%s: a graph-error, not a crash', async (_, bytes) => {
    const error = await scanModel(bytesReader(bytes), { selfLocation: 'model.onnx' }).then(() => null, (e: unknown) => e);
    expect(isStudioError(error) && error.code).toBe('graph-error');
  });

  it('checkReferences names the tensor of a truncated or mis-sized reference', async () => {
    const { skeleton } = await scanModel(bytesReader(DEMO_UNET), { selfLocation: 'model.onnx' });
    const model = decodeModel(skeleton);
    const short = new Map([['model.onnx', memoryWeightFile(DEMO_UNET.subarray(0, DEMO_UNET.length - 4096))]]);
    expect(() => checkReferences(model, short, 'the U-Net')).toThrow(/truncated/);
    const t = model.graph.initializer.find((i) => externalRef(i))!;
    t.external_data!.find((e) => e.key === 'length')!.value = String(2 ** 52);
    const error = (() => {
      try {
        checkReferences(decodeModel(encodeModel(model)), new Map([['model.onnx', memoryWeightFile(DEMO_UNET)]]), 'the U-Net');
      } catch (e) {
        return e;
      }
    })();
    expect(isStudioError(error) && error.code).toBe('graph-error');
  });
});
