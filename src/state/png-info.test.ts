import { describe, expect, it } from 'vitest';
import { SAMPLER_LABELS } from './generation-types.ts';
import { paramsFromInfotext, samplerLabel } from './png-info.ts';

describe('PNG Info: parameters → form', () => {
  it('restores every field of an A1111 1.9 infotext, Schedule type folded into the sampler', () => {
    const text =
      'masterpiece, (a cat:1.2) <hypernet:stripes:0.75> <hypernet:anime_v2:0.5>\nNegative prompt: lowres, bad anatomy\nSteps: 30, Sampler: DPM++ 2M, Schedule type: Karras, CFG scale: 7.5, Seed: 1234567890, Size: 512x768, Model hash: 6ce0161689, Model: v1-5-pruned-emaonly, Version: v1.9.4';
    const r = paramsFromInfotext(text, SAMPLER_LABELS);
    expect(r.patch).toEqual({
      prompt: 'masterpiece, (a cat:1.2) <hypernet:stripes:0.75> <hypernet:anime_v2:0.5>',
      negativePrompt: 'lowres, bad anatomy',
      steps: 30,
      sampler: 'DPM++ 2M Karras',
      cfgScale: 7.5,
      seed: 1234567890,
      randomSeed: false,
      width: 512,
      height: 768,
    });
    expect(r.restored).toEqual(['Prompt', 'Negative prompt', 'Steps', 'Sampler', 'CFG scale', 'Seed', 'Size']);
    expect(r.hypernets).toEqual([
      { name: 'stripes', multiplier: 0.75 },
      { name: 'anime_v2', multiplier: 0.5 },
    ]);
    expect(r.model).toEqual({ name: 'v1-5-pruned-emaonly', hash: '6ce0161689' });
    expect(r.notes).toEqual([]);
  });

  it('keeps the current sampler when the PNG names one this app lacks, and says so', () => {
    const r = paramsFromInfotext('p\nSteps: 20, Sampler: UniPC, CFG scale: 7, Seed: 1, Size: 64x64', SAMPLER_LABELS);
    expect(r.patch.sampler).toBeUndefined();
    expect(r.notes[0]).toContain('UniPC');
  });

  it('a prompt without a parameters line restores the prompt only', () => {
    const r = paramsFromInfotext('just a prompt', SAMPLER_LABELS);
    expect(r.patch).toEqual({ prompt: 'just a prompt', negativePrompt: '' });
    expect(r.notes.at(-1)).toContain('only the prompt');
  });

  it('maps old and new sampler spellings', () => {
    expect(samplerLabel('DPM++ 2M Karras', undefined, SAMPLER_LABELS)).toBe('DPM++ 2M Karras');
    expect(samplerLabel('Euler a', 'Automatic', SAMPLER_LABELS)).toBe('Euler a');
    expect(samplerLabel('euler', undefined, SAMPLER_LABELS)).toBe('Euler');
    expect(samplerLabel('DPM++ SDE', 'Karras', SAMPLER_LABELS)).toBeNull();
  });
});
