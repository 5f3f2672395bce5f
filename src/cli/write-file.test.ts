import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { replaceFiles, writeFileAtomic } from './write-file.ts';

const dir = () => mkdtempSync(join(tmpdir(), 'hn-write-'));

describe('writing through a temporary name', () => {
  it('replaces the destination with the complete new content and leaves nothing else', async () => {
    const d = dir();
    writeFileSync(join(d, 'out.bin'), 'old');
    await writeFileAtomic(join(d, 'out.bin'), new Uint8Array([1, 2, 3]));
    expect([...readFileSync(join(d, 'out.bin'))]).toEqual([1, 2, 3]);
    expect(readdirSync(d)).toEqual(['out.bin']);
  });

  it('keeps every old file when any write of a set fails, and removes the temporaries', async () => {
    const d = dir();
    writeFileSync(join(d, 'model.onnx'), 'old model');
    writeFileSync(join(d, 'model.onnx_data'), 'old data');
    const failing = replaceFiles([
      { path: join(d, 'model.onnx_data'), write: async (f) => void (await f.writeFile('new data, half written')) },
      {
        path: join(d, 'model.onnx'),
        write: async (f) => {
          await f.writeFile('new mod');
          throw new Error('disk full');
        },
      },
    ]);
    await expect(failing).rejects.toThrow('disk full');
    expect(readFileSync(join(d, 'model.onnx'), 'utf8')).toBe('old model');
    expect(readFileSync(join(d, 'model.onnx_data'), 'utf8')).toBe('old data');
    expect(readdirSync(d).sort()).toEqual(['model.onnx', 'model.onnx_data']);
  });

  it('fails cleanly when the folder does not exist', async () => {
    await expect(writeFileAtomic(join(dir(), 'missing', 'out.bin'), 'x')).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
