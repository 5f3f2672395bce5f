import { describe, expect, it } from 'vitest';
import { decodePng, encodePng, readPngText } from './png.ts';

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
