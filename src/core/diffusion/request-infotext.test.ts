import { describe, expect, it } from 'vitest';
import { parseInfotext } from './infotext.ts';
import { readA1111Fields } from './infotext-fields.ts';
import { requestFields, requestInfotext } from './request-infotext.ts';

const req = { prompt: 'a cat', negativePrompt: '', steps: 20, sampler: 'Euler a', cfgScale: 7, width: 512, height: 512 };
const model = { name: 'demo', hash: 'abcdef0123' };

describe('requestInfotext', () => {
  it('writes only Schedule type for a plain request, resolved as A1111 1.10 does', () => {
    const text = requestInfotext({ ...req, sampler: 'DPM++ 2M' }, { seed: 1 }, model);
    expect(text).toBe('a cat\nSteps: 20, Sampler: DPM++ 2M, Schedule type: Karras, CFG scale: 7, Seed: 1, Size: 512x512, Model hash: abcdef0123, Model: demo');
  });

  it('writes every field A1111 writes for these settings, in its order, and reads them back', () => {
    const full = { ...req, scheduleType: 'Exponential', clipSkip: 2, ensd: 31337, variationSeed: 7, variationStrength: 0.25, seedResizeFrom: { width: 256, height: 384 } };
    const text = requestInfotext(full, { seed: 3, subseed: 8 }, model);
    expect(text.split('\n')[1]).toBe(
      'Steps: 20, Sampler: Euler a, Schedule type: Exponential, CFG scale: 7, Seed: 3, Size: 512x512, Model hash: abcdef0123, Model: demo, Variation seed: 8, Variation seed strength: 0.25, Seed resize from: 256x384, Clip skip: 2, ENSD: 31337',
    );
    const info = parseInfotext(text);
    expect(readA1111Fields(info.params, info.prompt).fields).toEqual({ scheduleType: 'Exponential', clipSkip: 2, ensd: 31337, variationSeed: 8, variationSeedStrength: 0.25, seedResizeFrom: { width: 256, height: 384 } });
  });

  it('leaves out clip skip 1, variation strength 0, an unset resize and ENSD where the sampler has no eta', () => {
    expect(requestFields({ ...req, sampler: 'Euler', clipSkip: 1, ensd: 31337, variationSeed: 5, variationStrength: 0, seedResizeFrom: { width: 0, height: 512 } })).toEqual({ scheduleType: 'Automatic' });
    expect(requestFields({ ...req, sampler: 'DDIM', ensd: 31337 })).toEqual({ scheduleType: 'Automatic' });
    expect(requestFields({ ...req, ensd: 31337 }).ensd).toBe(31337);
  });

  it('writes img2img and hires fix fields where A1111 1.10 does (the first pass size), and reads them back', () => {
    const img2img = requestInfotext({ ...req, init: { denoisingStrength: 0.55 } }, { seed: 1 }, model);
    expect(img2img).toContain('Model: demo, Denoising strength: 0.55');
    const hires = { upscaler: 'Latent (bicubic antialiased)', scale: 2, steps: 10, denoisingStrength: 0.7, sampler: 'DPM++ 2M', scheduleType: 'Karras' };
    const text = requestInfotext({ ...req, clipSkip: 2, hires }, { seed: 4 }, model);
    expect(text.split('\n')[1]).toBe(
      'Steps: 20, Sampler: Euler a, Schedule type: Automatic, CFG scale: 7, Seed: 4, Size: 512x512, Model hash: abcdef0123, Model: demo, Denoising strength: 0.7, Clip skip: 2, Hires sampler: DPM++ 2M, Hires schedule type: Karras, Hires upscale: 2, Hires steps: 10, Hires upscaler: Latent (bicubic antialiased)',
    );
    const info = parseInfotext(text);
    expect(readA1111Fields(info.params, info.prompt).fields).toMatchObject({ denoisingStrength: 0.7, hiresSampler: 'DPM++ 2M', hiresScheduleType: 'Karras', hiresUpscale: 2, hiresSteps: 10, hiresUpscaler: 'Latent (bicubic antialiased)' });
    // a resize instead of a scale; hires steps 0 and the same sampler are not written
    const resized = requestFields({ ...req, hires: { upscaler: 'Lanczos', scale: 2, resizeX: 768, resizeY: 0, steps: 0, denoisingStrength: 0.5, sampler: 'Euler a' } });
    expect(resized).toEqual({ scheduleType: 'Automatic', denoisingStrength: 0.5, hiresResize: { width: 768, height: 0 }, hiresUpscaler: 'Lanczos' });
  });
});
