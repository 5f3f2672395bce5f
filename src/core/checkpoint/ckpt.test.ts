import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { memoryWeightFile } from '../onnx/weights.ts';
import { openCheckpoint } from './open.ts';

const named = (bytes: Uint8Array) => ({ name: 'x.ckpt', file: memoryWeightFile(bytes) });
const ascii = (s: string) => new TextEncoder().encode(s);

/** a pickle (protocol 2) calling os.system("echo pwned"): what a malicious .ckpt carries */
const MALICIOUS = Uint8Array.from([0x80, 2, ...ascii('cos\nsystem\n'), 0x58, 10, 0, 0, 0, ...ascii('echo pwned'), 0x85, 0x52, 0x2e]);
/** {} */
const EMPTY_DICT = Uint8Array.of(0x80, 2, 0x7d, 0x2e);

const stored = (files: Record<string, Uint8Array>) => zipSync(Object.fromEntries(Object.entries(files).map(([k, v]) => [k, [v, { level: 0 }]])));

describe('.ckpt reader (torch zip, ranged)', () => {
  it('refuses a pickle that names a global outside the whitelist, executing nothing', async () => {
    await expect(openCheckpoint(named(stored({ 'archive/data.pkl': MALICIOUS, 'archive/version': ascii('3\n') })))).rejects.toMatchObject({ code: 'forbidden-global' });
  });

  it('refuses compressed records, archives without data.pkl, truncated archives and dicts without tensors', async () => {
    const deflated = zipSync({ 'archive/data.pkl': [EMPTY_DICT, { level: 6 }] });
    await expect(openCheckpoint(named(deflated))).rejects.toMatchObject({ code: 'unsupported-compression' });
    await expect(openCheckpoint(named(stored({ 'archive/other.txt': ascii('x') })))).rejects.toMatchObject({ code: 'not-a-torch-file' });
    const whole = stored({ 'archive/data.pkl': EMPTY_DICT });
    await expect(openCheckpoint(named(whole.subarray(0, whole.length - 10)))).rejects.toMatchObject({ code: 'truncated' });
    const ckpt = await openCheckpoint(named(whole));
    expect(ckpt.tensors.size).toBe(0);
  });
});
