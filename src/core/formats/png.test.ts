import { describe, expect, it } from 'vitest';
import { zlibBomb } from '../../../test/hostile/deflate-bomb.ts';
import { iTXt, pngWith, tEXt, zTXt } from '../../../test/hostile/png-writer.ts';
import { decodePng, encodePng, readPngText, readPngTextChunks } from './png.ts';

describe('PNG with text chunks', () => {
  const image = { width: 3, height: 2, data: Uint8ClampedArray.from({ length: 24 }, (_, i) => i * 10) };

  it('round-trips pixels and a Latin-1 tEXt chunk', () => {
    const png = encodePng(image, { parameters: 'a cat\nSteps: 20, Seed: 1' });
    expect(readPngText(png)).toEqual({ parameters: 'a cat\nSteps: 20, Seed: 1' });
    expect(decodePng(png)).toEqual(image);
    expect(new TextDecoder('latin1').decode(png.subarray(37, 41))).toBe('tEXt');
  });

  it('stores non-Latin-1 text as UTF-8 iTXt, as PIL does', () => {
    const png = encodePng(image, { parameters: 'un chat 猫 ✓' });
    expect(new TextDecoder('latin1').decode(png.subarray(37, 41))).toBe('iTXt');
    expect(readPngText(png).parameters).toBe('un chat 猫 ✓');
  });
});

describe('PNG text chunks from other tools and from hostile files', () => {
  const params = 'a cat, (masterpiece:1.2)\nNegative prompt: blurry\nSteps: 20, Sampler: Euler a, CFG scale: 7, Seed: 42, Size: 512x512';

  it('reads zTXt and compressed iTXt, which spec-conformant tools write', () => {
    expect(readPngTextChunks(pngWith([zTXt('parameters', params)]))).toEqual({ text: { parameters: params }, problems: [] });
    const utf = `${params} 猫`;
    expect(readPngText(pngWith([iTXt('parameters', utf, { compressed: true })])).parameters).toBe(utf);
    expect(readPngText(pngWith([iTXt('parameters', utf)])).parameters).toBe(utf);
  });

  it('skips a text chunk whose CRC does not match, and says so', () => {
    const bad = { ...tEXt('parameters', params), crc: 1 };
    const got = readPngTextChunks(pngWith([tEXt('Software', 'x'), bad]));
    expect(got.text).toEqual({ Software: 'x' });
    expect(got.problems).toEqual([expect.objectContaining({ chunk: 'tEXt', keyword: 'parameters', code: 'corrupt-png' })]);
  });

  it('stops a zTXt/iTXt bomb at the per-chunk bound without inflating it all', () => {
    const bomb = zlibBomb(1 << 30); // 1 MiB of stream, 1 GiB of text
    for (const c of [zTXt('parameters', '', bomb), iTXt('parameters', '', { stream: bomb })]) {
      const cpu = process.cpuUsage();
      const before = process.memoryUsage().arrayBuffers;
      const got = readPngTextChunks(pngWith([c]));
      expect(got.text.parameters).toBeUndefined();
      expect(got.problems[0]).toMatchObject({ keyword: 'parameters', code: 'limit-exceeded' });
      // the bound is 1 MiB of text; inflating the whole bomb would take ~1 s of CPU and 1 GiB
      expect(process.cpuUsage(cpu).user).toBeLessThan(500_000);
      expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(64 << 20);
    }
  });

  it('bounds the text of the whole file, not only each chunk', () => {
    const mib = 'x'.repeat((1 << 20) - 16);
    const chunks = Array.from({ length: 12 }, (_, i) => zTXt(`k${i}`, mib));
    const got = readPngTextChunks(pngWith(chunks));
    expect(Object.keys(got.text).length).toBe(8);
    expect(got.problems.every((p) => p.code === 'limit-exceeded')).toBe(true);
  }, 60_000);

  it('reports truncation and lying lengths instead of reading past the file', () => {
    const whole = pngWith([tEXt('parameters', params)]);
    expect(readPngTextChunks(whole.subarray(0, 60)).problems[0]!.code).toBe('truncated');
    const lie = readPngTextChunks(pngWith([{ ...tEXt('parameters', params), length: 0x7ffffff0 }]));
    expect(lie.text).toEqual({});
    expect(lie.problems[0]!.code).toBe('truncated');
    expect(() => readPngTextChunks(new Uint8Array([1, 2, 3]))).toThrow(expect.objectContaining({ code: 'not-a-png' }));
  });
});
