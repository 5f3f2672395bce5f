import { describe, expect, it } from 'vitest';
import { initialParams, SAMPLER_LABELS } from './generation-types.ts';
import { paramsFromInfotext, samplerLabel } from './png-info.ts';

describe('PNG Info: parameters → form', () => {
  it('restores every field of an A1111 1.9 infotext, Schedule type Karras being DPM++ 2M\'s own', () => {
    const text =
      'masterpiece, (a cat:1.2) <hypernet:stripes:0.75> <hypernet:anime_v2:0.5>\nNegative prompt: lowres, bad anatomy\nSteps: 30, Sampler: DPM++ 2M, Schedule type: Karras, CFG scale: 7.5, Seed: 1234567890, Size: 512x768, Model hash: 6ce0161689, Model: v1-5-pruned-emaonly, Version: v1.9.4';
    const r = paramsFromInfotext(text, SAMPLER_LABELS);
    expect(r.patch).toEqual({
      prompt: 'masterpiece, (a cat:1.2) <hypernet:stripes:0.75> <hypernet:anime_v2:0.5>',
      negativePrompt: 'lowres, bad anatomy',
      steps: 30,
      sampler: 'DPM++ 2M',
      cfgScale: 7.5,
      seed: 1234567890,
      randomSeed: false,
      width: 512,
      height: 768,
      // Karras is DPM++ 2M's own schedule; what the text lacks is what made the image
      scheduleType: 'Automatic',
      clipSkip: 1,
      variationStrength: 0,
      seedResizeWidth: 0,
      seedResizeHeight: 0,
      // no Denoising strength, no hires fields: a plain txt2img run
      mode: 'txt2img',
      hiresEnabled: false,
    });
    expect(r.restored).toEqual(['Prompt', 'Negative prompt', 'Steps', 'Sampler', 'Schedule type', 'CFG scale', 'Seed', 'Size', 'Clip skip']);
    expect(r.hypernets).toEqual([
      { name: 'stripes', multiplier: 0.75 },
      { name: 'anime_v2', multiplier: 0.5 },
    ]);
    expect(r.model).toEqual({ name: 'v1-5-pruned-emaonly', hash: '6ce0161689' });
    expect(r.notes).toEqual([]);
    expect(r.fields).toEqual({ scheduleType: 'Karras' });
    expect(r.unapplied).toEqual([]);
  });

  it('keeps the current sampler when the PNG names one this app lacks, and says so', () => {
    const r = paramsFromInfotext('p\nSteps: 20, Sampler: DPM adaptive, CFG scale: 7, Seed: 1, Size: 64x64', SAMPLER_LABELS);
    expect(r.patch.sampler).toBeUndefined();
    expect(r.notes[0]).toContain('DPM adaptive');
  });

  it('a prompt without a parameters line restores the prompt only', () => {
    const r = paramsFromInfotext('just a prompt', SAMPLER_LABELS);
    expect(r.patch).toEqual({ prompt: 'just a prompt', negativePrompt: '' });
    expect(r.notes.at(-1)).toContain('only the prompt');
  });

  it('maps old and new sampler spellings', () => {
    expect(samplerLabel('DPM++ 2M Karras', undefined, SAMPLER_LABELS)).toBe('DPM++ 2M');
    expect(samplerLabel('Euler a', 'Automatic', SAMPLER_LABELS)).toBe('Euler a');
    expect(samplerLabel('euler', undefined, SAMPLER_LABELS)).toBe('Euler');
    expect(samplerLabel('DPM++ SDE', 'Karras', SAMPLER_LABELS)).toBe('DPM++ SDE');
    expect(samplerLabel('DPM fast', undefined, SAMPLER_LABELS)).toBeNull();
  });
});

describe("PNG Info: issue 14's fields", () => {
  it('applies Schedule type, Clip skip, ENSD, the variation seed and the hires fix; lists every field the form cannot apply, with its value', () => {
    const text =
      '1girl\nNegative prompt: lowres\nSteps: 28, Sampler: Euler a, Schedule type: Karras, CFG scale: 7, Seed: 1234, Size: 512x768, Model hash: 6ce0161689, Model: anything-v3, Variation seed: 99, Variation seed strength: 0.3, Denoising strength: 0.55, Clip skip: 2, ENSD: 31337, Hires upscale: 2, Hires steps: 10, Hires upscaler: Latent, Token merging ratio: 0.5, Version: v1.10.1';
    const r = paramsFromInfotext(text, SAMPLER_LABELS);
    expect(r.patch.sampler).toBe('Euler a');
    expect(r.fields).toMatchObject({ scheduleType: 'Karras', clipSkip: 2, ensd: 31337, variationSeed: 99, hiresUpscale: 2 });
    expect(r.patch).toMatchObject({ scheduleType: 'Karras', clipSkip: 2, ensd: 31337, variationSeed: 99, variationStrength: 0.3, seedResizeWidth: 0, seedResizeHeight: 0 });
    expect(r.patch).toMatchObject({ mode: 'txt2img', hiresEnabled: true, hiresScale: 2, hiresSteps: 10, hiresUpscaler: 'Latent', hiresDenoisingStrength: 0.55 });
    expect(r.unapplied).toEqual([{ key: 'Token merging ratio', value: '0.5' }]);
  });
  it('turns the old `Hypernet: NAME, Hypernet strength: X` into a tag the stack applies', () => {
    const r = paramsFromInfotext('masterpiece\nSteps: 20, Sampler: Euler a, CFG scale: 11, Seed: 3, Size: 512x512, Hypernet: anime_3, Hypernet strength: 0.75', SAMPLER_LABELS);
    expect(r.patch.prompt).toBe('masterpiece<hypernet:anime_3:0.75>');
    expect(r.hypernets).toEqual([{ name: 'anime_3', multiplier: 0.75 }]);
    expect(r.unapplied).toEqual([]);
  });
  it('an A1111 < 1.9 "DPM++ 2M" (no Schedule type) asks for the Uniform schedule and says why', () => {
    const r = paramsFromInfotext('p\nSteps: 20, Sampler: DPM++ 2M, CFG scale: 7, Seed: 1, Size: 64x64', SAMPLER_LABELS);
    expect(r.patch).toMatchObject({ sampler: 'DPM++ 2M', scheduleType: 'Uniform' });
    expect(r.unapplied).toEqual([]);
    expect(r.notes.join(' ')).toContain('before 1.9');
  });
  it('applies Seed resize from; keeps out values the form does not take; resets ENSD the image was made without', () => {
    const r = paramsFromInfotext('p\nSteps: 20, Sampler: Euler a, CFG scale: 7, Seed: 1, Size: 64x64, Seed resize from: 48x80, Clip skip: 13, Variation seed strength: 2', SAMPLER_LABELS, { ensd: 31337 });
    expect(r.patch).toMatchObject({ seedResizeWidth: 48, seedResizeHeight: 80, ensd: 0 });
    expect(r.patch.clipSkip).toBeUndefined();
    expect(r.patch.variationStrength).toBeUndefined();
    expect(r.notes.join(' ')).toMatch(/Clip skip 13 is outside 1–12.*Variation seed strength 2 is outside 0–1/);
    expect(r.notes.join(' ')).toContain('ENSD was 31337');
    expect(r.restored).toContain('Seed resize from');
  });
  it('keeps the unapplied list bounded on hostile input', () => {
    const many = Array.from({ length: 500 }, (_, i) => `Key${i}: ${'v'.repeat(100)}`).join(', ');
    const r = paramsFromInfotext(`p\nSteps: 20, Sampler: Euler, CFG scale: 7, ${many}`, SAMPLER_LABELS);
    expect(r.unapplied.length).toBe(64);
    expect(r.unapplied.every((u) => u.value.length <= 61)).toBe(true);
  });
});

describe('PNG Info: img2img and the hires fix', () => {
  it('a hires text switches the hires fix on with its upscale, steps, upscaler, strength, sampler and schedule', () => {
    const text =
      'p\nSteps: 20, Sampler: Euler a, Schedule type: Automatic, CFG scale: 7, Seed: 5, Size: 64x64, Denoising strength: 0.45, Hires sampler: DPM++ 2M, Hires schedule type: Karras, Hires upscale: 2, Hires steps: 6, Hires upscaler: Latent (nearest-exact)';
    const r = paramsFromInfotext(text, SAMPLER_LABELS, { ...initialParams });
    expect(r.patch).toMatchObject({
      mode: 'txt2img',
      hiresEnabled: true,
      hiresScale: 2,
      hiresResizeX: 0,
      hiresResizeY: 0,
      hiresSteps: 6,
      hiresUpscaler: 'Latent (nearest-exact)',
      hiresDenoisingStrength: 0.45,
      hiresSampler: 'DPM++ 2M',
      hiresScheduleType: 'Karras',
      width: 64,
    });
    expect(r.patch.denoisingStrength).toBeUndefined();
    expect(r.restored).toEqual(expect.arrayContaining(['Denoising strength', 'Hires upscale', 'Hires steps', 'Hires upscaler', 'Hires sampler', 'Hires schedule type']));
    expect(r.unapplied).toEqual([]);
  });

  it('Hires resize sets "Resize width/height to"; without Hires sampler the first pass\'s is used', () => {
    const r = paramsFromInfotext('p\nSteps: 20, Sampler: Euler, CFG scale: 7, Seed: 5, Size: 64x64, Denoising strength: 0.7, Hires resize: 128x96, Hires upscaler: Lanczos', SAMPLER_LABELS);
    expect(r.patch).toMatchObject({ hiresEnabled: true, hiresResizeX: 128, hiresResizeY: 96, hiresScale: 2, hiresSteps: 0, hiresUpscaler: 'Lanczos', hiresSampler: 'Use same sampler', hiresScheduleType: 'Use same scheduler' });
    expect(r.unapplied).toEqual([]);
  });

  it('Denoising strength without hires fields is img2img: the strength is applied and the note says the input image is not in the PNG', () => {
    const r = paramsFromInfotext('p\nSteps: 20, Sampler: Euler, CFG scale: 7, Seed: 5, Size: 64x64, Denoising strength: 0.3', SAMPLER_LABELS);
    expect(r.patch).toMatchObject({ mode: 'img2img', denoisingStrength: 0.3 });
    expect(r.patch.hiresEnabled).toBeUndefined();
    expect(r.notes.join(' ')).toContain('input image is not in the PNG');
    expect(r.unapplied).toEqual([]);
  });

  it('keeps out values the form does not take (strength 1.5, upscale 0) and an unknown hires sampler, with notes', () => {
    const r = paramsFromInfotext('p\nSteps: 20, Sampler: Euler, CFG scale: 7, Seed: 5, Size: 64x64, Denoising strength: 1.5, Hires upscale: 0, Hires sampler: DPM fast, Hires upscaler: Latent', SAMPLER_LABELS);
    expect(r.patch).toMatchObject({ hiresEnabled: true, hiresScale: 2 });
    expect(r.patch.hiresSampler).toBeUndefined();
    expect(r.patch.hiresDenoisingStrength).toBeUndefined();
    expect(r.notes.join(' ')).toMatch(/Denoising strength 1\.5 is outside 0–1.*Hires upscale 0 is outside.*Hires sampler "DPM fast" is not available/);
    expect(r.unapplied.map((u) => u.key)).toEqual(['Denoising strength', 'Hires upscale', 'Hires sampler']);
  });
});
