import { describe, expect, it } from 'vitest';
import { writeSafetensors } from '../formats/safetensors.ts';
import { memoryWeightFile } from '../onnx/weights.ts';
import { openCheckpoint } from './open.ts';
import { MAX_HEADER_BYTES, readSafetensors } from './safetensors.ts';

const named = (bytes: Uint8Array, name = 'x.safetensors') => ({ name, file: memoryWeightFile(bytes) });
const f32 = (...v: number[]) => new Uint8Array(Float32Array.from(v).buffer);

/** a file from a raw header object and data bytes */
function rawFile(header: unknown, data: Uint8Array): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

async function codeOf(bytes: Uint8Array): Promise<string> {
  try {
    const ckpt = await readSafetensors(named(bytes));
    for (const t of ckpt.tensors.values()) await t.read();
    return 'ok';
  } catch (e) {
    return (e as { code: string }).code;
  }
}

describe('safetensors reader', () => {
  it('reads F32, F16 and BF16 tensors exactly, lazily, and lists non-float ones', async () => {
    const file = writeSafetensors(
      [
        { name: 'a', dtype: 'F32', shape: [2], bytes: f32(1.5, -2) },
        { name: 'h', dtype: 'F16', shape: [2], bytes: new Uint8Array(Uint16Array.of(0x3c00, 0xc000).buffer) },
        { name: 'b', dtype: 'BF16', shape: [1], bytes: new Uint8Array(Uint16Array.of(0x4049).buffer) },
        { name: 'ids', dtype: 'I64', shape: [1], bytes: new Uint8Array(8) },
      ],
      { format: 'pt' },
    );
    let reads = 0;
    const inner = memoryWeightFile(file);
    const ckpt = await openCheckpoint({ name: 'x.safetensors', file: { size: inner.size, read: (o, l) => (reads++, inner.read(o, l)) } });
    const headerReads = reads;
    expect(ckpt.format).toBe('safetensors');
    expect(ckpt.metadata).toEqual({ format: 'pt' });
    expect([...(await ckpt.tensors.get('a')!.read())]).toEqual([1.5, -2]);
    expect([...(await ckpt.tensors.get('h')!.read())]).toEqual([1, -2]);
    expect(await ckpt.tensors.get('b')!.read()).toEqual(Float32Array.of(3.140625));
    expect(reads - headerReads).toBe(3); // one ranged read per tensor
    await expect(ckpt.tensors.get('ids')!.read()).rejects.toMatchObject({ code: 'bad-checkpoint' });
  });

  it('refuses a damaged or crafted header with a specific error', async () => {
    const data = f32(1, 2, 3, 4);
    const entry = (o: unknown) => rawFile({ t: o }, data);
    expect(await codeOf(entry({ dtype: 'F32', shape: [4], data_offsets: [0, 16] }))).toBe('ok');
    expect(await codeOf(new Uint8Array(5))).toBe('truncated');
    const huge = new Uint8Array(16);
    new DataView(huge.buffer).setBigUint64(0, BigInt(MAX_HEADER_BYTES + 1), true);
    expect(await codeOf(huge)).toBe('bad-checkpoint');
    const past = rawFile({}, new Uint8Array(0));
    new DataView(past.buffer).setBigUint64(0, 10_000n, true);
    expect(await codeOf(past)).toBe('truncated');
    const notJson = rawFile({}, data);
    notJson[8] = 0x5b; // '[' opens an unterminated array
    expect(await codeOf(notJson)).toBe('bad-checkpoint');
    expect(await codeOf(rawFile([1, 2], data))).toBe('bad-checkpoint');
    expect(await codeOf(entry({ dtype: 'Q4', shape: [4], data_offsets: [0, 16] }))).toBe('bad-checkpoint');
    expect(await codeOf(entry({ dtype: 'F32', shape: [5], data_offsets: [0, 16] }))).toBe('bad-checkpoint');
    expect(await codeOf(entry({ dtype: 'F32', shape: [-4], data_offsets: [0, 16] }))).toBe('bad-checkpoint');
    expect(await codeOf(entry({ dtype: 'F32', shape: [2 ** 40], data_offsets: [0, 16] }))).toBe('bad-checkpoint');
    expect(await codeOf(entry({ dtype: 'F32', shape: [8], data_offsets: [0, 32] }))).toBe('truncated');
    expect(await codeOf(entry({ dtype: 'F32', shape: [4], data_offsets: [16, 0] }))).toBe('bad-checkpoint');
    expect(await codeOf(entry({ dtype: 'F32', shape: [4] }))).toBe('bad-checkpoint');
    expect(await codeOf(rawFile({ a: { dtype: 'F32', shape: [3], data_offsets: [0, 12] }, b: { dtype: 'F32', shape: [2], data_offsets: [8, 16] } }, data))).toBe('bad-checkpoint');
    expect(await codeOf(rawFile({ __metadata__: { a: 1 } }, data))).toBe('bad-checkpoint');
  });

  it('tells a safetensors file, a torch zip and anything else apart by content', async () => {
    await expect(openCheckpoint(named(new Uint8Array(0)))).rejects.toMatchObject({ code: 'empty-file' });
    await expect(openCheckpoint(named(new TextEncoder().encode('hello world, not a model')))).rejects.toMatchObject({ code: 'bad-checkpoint' });
    await expect(openCheckpoint(named(Uint8Array.of(0x80, 2, 0x8a, 10, 0, 0, 0, 0, 0, 0)))).rejects.toMatchObject({ code: 'unsupported-model' });
    await expect(openCheckpoint(named(Uint8Array.of(0x50, 0x4b, 3, 4, 0, 0, 0, 0, 0, 0)))).rejects.toMatchObject({ code: 'truncated' });
  });
});
