import { describe, expect, it } from 'vitest';
import { formatInfotext, parseInfotext } from './infotext.ts';

describe('A1111 infotext', () => {
  const params = new Map([
    ['Steps', '20'],
    ['Sampler', 'Euler a'],
    ['CFG scale', '7'],
    ['Seed', '42'],
    ['Size', '64x64'],
    ['Model', 'sd-shapes-demo'],
  ]);

  it('formats as A1111 writes it', () => {
    expect(formatInfotext({ prompt: 'a red circle <hypernet:stripes:0.8>', negativePrompt: 'blurry', params })).toBe(
      'a red circle <hypernet:stripes:0.8>\nNegative prompt: blurry\nSteps: 20, Sampler: Euler a, CFG scale: 7, Seed: 42, Size: 64x64, Model: sd-shapes-demo',
    );
    expect(formatInfotext({ prompt: 'p', negativePrompt: '', params: new Map([['Steps', '2'], ['Model', 'a, b: c']]) })).toBe('p\nSteps: 2, Model: "a, b: c"');
  });

  it('parses what it formats, including quoted values and multi-line prompts', () => {
    const text = formatInfotext({ prompt: 'line one\nline two', negativePrompt: 'neg', params: new Map([...params, ['Model', 'x, y']]) });
    const parsed = parseInfotext(text);
    expect(parsed.prompt).toBe('line one\nline two');
    expect(parsed.negativePrompt).toBe('neg');
    expect(Object.fromEntries(parsed.params)).toEqual({ ...Object.fromEntries(params), Model: 'x, y' });
  });

  it('parses a real A1111 1.9 infotext', () => {
    const text = 'masterpiece, (a cat:1.2)\nNegative prompt: lowres, bad anatomy\nSteps: 30, Sampler: DPM++ 2M, Schedule type: Karras, CFG scale: 7.5, Seed: 1234567890, Size: 512x768, Model hash: 6ce0161689, Model: v1-5-pruned-emaonly, Version: v1.9.4';
    const parsed = parseInfotext(text);
    expect(parsed.prompt).toBe('masterpiece, (a cat:1.2)');
    expect(parsed.negativePrompt).toBe('lowres, bad anatomy');
    expect(parsed.params.get('Schedule type')).toBe('Karras');
    expect(parsed.params.get('Model hash')).toBe('6ce0161689');
    expect(parsed.params.get('Size')).toBe('512x768');
  });
});

describe('sweep grid infotext', () => {
  it("adds X/Y/Z plot's keys to the first cell's text, quoting the value list", async () => {
    const { sweepGridInfotext } = await import('./infotext.ts');
    const cell = 'a cat <hypernet:stripes:0>\nNegative prompt: blurry\nSteps: 20, Sampler: Euler a, CFG scale: 7, Seed: 42, Size: 64x64, Model hash: 6671d78dee, Model: sd-shapes-demo';
    const grid = sweepGridInfotext(cell, 'stripes', [0, 0.5, 1]);
    expect(grid).toBe(`${cell}, Script: X/Y/Z plot, X Type: Hypernet str., X Values: "0, 0.5, 1", Sweep hypernet: stripes`);
    expect(parseInfotext(grid).params.get('X Values')).toBe('0, 0.5, 1');
  });
});

describe('infotext parameters: the same matches as A1111 re_param, in linear time', () => {
  const PY_WS = '\\t\\n\\v\\f\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
  // A1111's regex with Python's \s, \w and `.` spelled out (fine on short lines: it is only quadratic)
  const RE_PARAM = new RegExp(`[${PY_WS}]*([\\p{L}\\p{N}_][\\p{L}\\p{N}_ \\-/]+):[${PY_WS}]*("(?:\\\\[^\\n]|[^\\\\"])+"|[^,]*)(?:,|$)`, 'gu');
  const ALPHABET = ['a', 'B', '7', '_', ' ', ' ', '\t', ':', ':', ',', ',', '"', '"', '\\', '-', '/', 'é', '猫', '𝐀', '\u2003', '.', 'x'];

  it('matches the regex on 4000 random lines', async () => {
    const { scanParams } = await import('./infotext-params.ts');
    const { rng } = await import('../../../test/support/fuzz.ts');
    const r = rng(7);
    for (let i = 0; i < 4000; i++) {
      const line = Array.from({ length: Math.floor(r() * 40) }, () => ALPHABET[Math.floor(r() * ALPHABET.length)]).join('');
      const expected = [...line.matchAll(RE_PARAM)].map((m) => [m[1], m[2]]);
      expect(scanParams(line), JSON.stringify(line)).toEqual(expected);
    }
  });

  it('parses a 1 MB hostile line (runs without colons, unclosed quotes) in linear time', async () => {
    const { scanParams } = await import('./infotext-params.ts');
    const runs = 'Steps: 20, ' + 'word word-word/word '.repeat(50_000);
    const quotes = 'Steps: 20, ' + 'ab: "\\",'.repeat(100_000);
    for (const line of [runs, quotes, 'a'.repeat(1 << 20), ' '.repeat(1 << 20) + 'x']) {
      const cpu = process.cpuUsage();
      scanParams(line);
      parseInfotext(`prompt\n${line}`);
      // A1111's regex needs minutes on these; the scanner does a few passes over the line
      expect(process.cpuUsage(cpu).user).toBeLessThan(2_000_000);
    }
  });
});
