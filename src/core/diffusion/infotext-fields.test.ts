import { describe, expect, it } from 'vitest';
import { formatNumber, readA1111Fields, withA1111Fields } from './infotext-fields.ts';
import { infotextSamplerNames, samplerFromInfotext } from './infotext-sampler.ts';
import { generationInfotext, parseInfotext } from './infotext.ts';

/**
 * An A1111-format reader written for this test, independently of infotext.ts: the last line holds
 * `key: value` pairs (key = word characters, spaces, '-' and '/'; value = a JSON string or text up to the
 * next comma), the lines before it the prompt and, from "Negative prompt:", the negative prompt.
 */
function a1111Parse(text: string): { prompt: string; negative: string; fields: [string, string][] } {
  const lines = text.trim().split('\n');
  const last = lines.pop() ?? '';
  const fields: [string, string][] = [];
  let i = 0;
  while (i < last.length) {
    while (last[i] === ' ') i++;
    let key = '';
    while (i < last.length && /[\w \-/]/.test(last[i]!)) key += last[i++];
    if (last[i] !== ':') break;
    i++;
    while (last[i] === ' ') i++;
    let value = '';
    if (last[i] === '"') {
      let j = i + 1;
      while (j < last.length && last[j] !== '"') j += last[j] === '\\' ? 2 : 1;
      value = JSON.parse(last.slice(i, j + 1)) as string;
      i = j + 1;
    } else {
      while (i < last.length && last[i] !== ',') value += last[i++];
      value = value.trim();
    }
    if (last[i] === ',') i++;
    fields.push([key.trim(), value]);
  }
  const neg = lines.findIndex((l) => l.startsWith('Negative prompt:'));
  const prompt = (neg < 0 ? lines : lines.slice(0, neg)).join('\n');
  const negative = neg < 0 ? '' : [lines[neg]!.slice('Negative prompt:'.length).trim(), ...lines.slice(neg + 1)].join('\n');
  return { prompt, negative, fields };
}

const req = { prompt: 'a cat <hypernet:anime:0.8>', negativePrompt: 'lowres', steps: 28, sampler: 'DPM++ 2M Karras', cfgScale: 7, width: 512, height: 768 };

describe('writing A1111 1.10 infotext fields', () => {
  it('puts every field where create_infotext does, read back by an independent A1111 parser', () => {
    const text = generationInfotext(req, 1234, { name: 'anything-v3', hash: '6ce0161689' }, {
      variationSeed: 99,
      variationSeedStrength: 0.3,
      seedResizeFrom: { width: 512, height: 512 },
      denoisingStrength: 0.55,
      clipSkip: 2,
      ensd: 31337,
      hiresUpscale: 2,
      hiresSteps: 10,
      hiresUpscaler: 'Latent (nearest-exact)',
      maskBlur: 4,
      eta: 0.5,
    });
    const parsed = a1111Parse(text);
    expect(parsed.prompt).toBe(req.prompt);
    expect(parsed.negative).toBe('lowres');
    expect(parsed.fields).toEqual([
      ['Steps', '28'],
      ['Sampler', 'DPM++ 2M'],
      ['Schedule type', 'Karras'],
      ['CFG scale', '7'],
      ['Seed', '1234'],
      ['Size', '512x768'],
      ['Model hash', '6ce0161689'],
      ['Model', 'anything-v3'],
      ['Variation seed', '99'],
      ['Variation seed strength', '0.3'],
      ['Seed resize from', '512x512'],
      ['Denoising strength', '0.55'],
      ['Clip skip', '2'],
      ['ENSD', '31337'],
      ['Hires upscale', '2'],
      ['Hires steps', '10'],
      ['Hires upscaler', 'Latent (nearest-exact)'],
      ['Mask blur', '4'],
      ['Eta', '0.5'],
    ]);
    // and this module reads back what it wrote
    expect(readA1111Fields(parseInfotext(text).params, req.prompt).fields).toEqual({
      scheduleType: 'Karras',
      variationSeed: 99,
      variationSeedStrength: 0.3,
      seedResizeFrom: { width: 512, height: 512 },
      denoisingStrength: 0.55,
      clipSkip: 2,
      ensd: 31337,
      hiresUpscale: 2,
      hiresSteps: 10,
      hiresUpscaler: 'Latent (nearest-exact)',
      maskBlur: 4,
      eta: 0.5,
    });
  });
  it('always writes Schedule type, as A1111 1.10 does, and the resize form of hires', () => {
    const plain = a1111Parse(generationInfotext({ ...req, sampler: 'Euler a' }, 1, { name: 'm' }, { hiresResize: { width: 1024, height: 0 } }));
    expect(plain.fields.slice(0, 3)).toEqual([['Steps', '28'], ['Sampler', 'Euler a'], ['Schedule type', 'Automatic']]);
    expect(plain.fields.at(-1)).toEqual(['Hires resize', '1024x0']);
    expect(infotextSamplerNames('DPM++ 2M')).toEqual({ sampler: 'DPM++ 2M', scheduleType: 'Karras' });
    expect(infotextSamplerNames('Euler', 'Exponential')).toEqual({ sampler: 'Euler', scheduleType: 'Exponential' });
    expect(infotextSamplerNames('Not a sampler')).toEqual({ sampler: 'Not a sampler', scheduleType: 'Automatic' });
  });
  it('quotes what needs quoting and prints numbers as Python does', () => {
    const m = withA1111Fields(new Map([['Steps', '2'], ['Sampler', 'Euler'], ['Version', 'v1']]), { hiresUpscaler: 'R-ESRGAN 4x+, Anime6B', eta: 1e-5 });
    expect([...m.keys()]).toEqual(['Steps', 'Sampler', 'Hires upscaler', 'Eta', 'Version']);
    expect(formatNumber(1e-5)).toBe('1e-05');
    expect(formatNumber(0.3)).toBe('0.3');
    expect(formatNumber(2)).toBe('2');
    const text = generationInfotext(req, 1, { name: 'm' }, { hiresUpscaler: 'a, b: c' });
    expect(a1111Parse(text).fields.at(-1)).toEqual(['Hires upscaler', 'a, b: c']);
  });
});

describe('reading A1111 infotext fields', () => {
  it('reads an A1111 1.10 text with every field', () => {
    const text = '1girl\nNegative prompt: lowres\nSteps: 28, Sampler: DPM++ SDE, Schedule type: Karras, CFG scale: 7, Seed: 1234, Size: 512x768, Model hash: 6ce0161689, Model: anything-v3, Variation seed: 99, Variation seed strength: 0.3, Seed resize from: 640x448, Denoising strength: 0.55, Clip skip: 2, ENSD: 31337, Hires upscale: 1.5, Hires steps: 10, Hires upscaler: Latent (bicubic antialiased), Version: v1.10.1';
    const { fields } = readA1111Fields(parseInfotext(text).params, '1girl');
    expect(fields).toEqual({
      scheduleType: 'Karras',
      variationSeed: 99,
      variationSeedStrength: 0.3,
      seedResizeFrom: { width: 640, height: 448 },
      denoisingStrength: 0.55,
      clipSkip: 2,
      ensd: 31337,
      hiresUpscale: 1.5,
      hiresSteps: 10,
      hiresUpscaler: 'Latent (bicubic antialiased)',
    });
  });
  it("appends the old Hypernet fields to the prompt as A1111's paste does", () => {
    const text = 'masterpiece\nSteps: 20, Sampler: Euler a, CFG scale: 11, Seed: 3, Size: 512x512, Model hash: 925997e9, Clip skip: 2, Hypernet: anime_3, Hypernet strength: 0.75, ENSD: 31337';
    const r = readA1111Fields(parseInfotext(text).params, 'masterpiece');
    expect(r.prompt).toBe('masterpiece<hypernet:anime_3:0.75>');
    expect(r.fields).toMatchObject({ hypernet: { name: 'anime_3', strength: 0.75 }, clipSkip: 2, ensd: 31337 });
    expect(readA1111Fields(new Map([['Hypernet', 'x']]), 'p').prompt).toBe('p<hypernet:x:1.0>');
  });
  it('names values that do not parse, bounded, instead of guessing', () => {
    const r = readA1111Fields(new Map([['Clip skip', 'two'], ['Seed resize from', '5x'], ['Denoising strength', 'x'.repeat(100_000)]]), '');
    expect(r.fields).toEqual({});
    expect(r.invalid.map((i) => i.key)).toEqual(['Seed resize from', 'Denoising strength', 'Clip skip']);
    expect(r.invalid.every((i) => i.value.length <= 60)).toBe(true);
  });
  it('maps sampler names as A1111 1.10 reads them; no Schedule type means an A1111 < 1.9 text', () => {
    expect(samplerFromInfotext('DPM++ 2M', 'Karras')).toEqual({ sampler: 'DPM++ 2M', scheduleType: 'Automatic' });
    expect(samplerFromInfotext('DPM++ 2M Karras', undefined)).toEqual({ sampler: 'DPM++ 2M', scheduleType: 'Automatic' });
    expect(samplerFromInfotext('Euler a', 'Karras')).toEqual({ sampler: 'Euler a', scheduleType: 'Karras' });
    expect(samplerFromInfotext('Euler a', undefined)).toEqual({ sampler: 'Euler a', scheduleType: 'Automatic' });
    expect(samplerFromInfotext('DPM++ 2M', undefined)).toMatchObject({ sampler: 'DPM++ 2M', scheduleType: 'Uniform', note: expect.stringContaining('before 1.9') });
    expect(samplerFromInfotext('DPM++ 2M SDE', 'karras')).toEqual({ sampler: 'DPM++ 2M SDE', scheduleType: 'Karras' }); // 1.6–1.8 wrote lower case
    expect(samplerFromInfotext('DDIM', undefined)).toEqual({ sampler: 'DDIM', scheduleType: 'Automatic' });
    expect(samplerFromInfotext('Restart', 'Karras')).toBeUndefined();
  });
});
