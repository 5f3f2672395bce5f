import { describe, expect, it } from 'vitest';
import { loadRef } from '../../../../test/reference/diffusion/load.ts';
import { scaledErr } from '../../../../test/support/fake-unet.ts';
import { clipSkipHiddenState, clipSkipStates, layerNorm } from '../text/clip-skip.ts';
import { cropLatent, hiresTarget, LATENT_UPSCALE_MODES, oldHiresFirstPass, upscaleLatent } from './hires.ts';
import { interpolate, type InterpolateMode } from './interpolate.ts';

interface UpscaleRef {
  input: number[];
  shape: [number, number, number, number];
  cases: { size: [number, number]; mode: InterpolateMode; antialias: boolean; out: number[] }[];
  layer_norm: { tokens: number; width: number; hidden: number[]; weight: number[]; bias: number[]; out: number[] };
}
const ref = loadRef<UpscaleRef>('upscale.json');

describe('torch.nn.functional.interpolate (upscale.json)', () => {
  for (const c of ref.cases) {
    it(`${c.mode}${c.antialias ? ' antialiased' : ''} 6x5 -> ${c.size.join('x')}`, () => {
      const y = interpolate(Float32Array.from(ref.input), ref.shape, c.size, c.mode, c.antialias);
      const upscale = c.size[0] >= 6 && c.size[1] >= 5;
      // nearest modes, unchanged sizes and antialiased bilinear upscales bit for bit
      if (c.mode.startsWith('nearest') || (c.size[0] === 6 && c.size[1] === 5) || (c.antialias && c.mode === 'bilinear' && upscale)) expect(Array.from(y)).toEqual(c.out);
      // the rest within ~2 ulp of the values' scale (torch's CPU loops round some sums differently)
      else expect(scaledErr(y, c.out)).toBeLessThan(1.1e-6);
    });
  }
  it('refuses a bad size and antialiased nearest', () => {
    expect(() => interpolate(new Float32Array(4), [1, 1, 2, 2], [0, 3], 'bilinear')).toThrow(expect.objectContaining({ code: 'bad-request' }));
    expect(() => interpolate(new Float32Array(4), [1, 1, 2, 2], [3, 3], 'nearest', true)).toThrow(expect.objectContaining({ code: 'bad-request' }));
  });
});

describe('hires fix arithmetic (A1111 calculate_target_resolution)', () => {
  it('upscale by a factor, or resize to a size with the crop A1111 computes', () => {
    expect(hiresTarget({ width: 512, height: 512, scale: 2 })).toMatchObject({ upscaleToX: 1024, upscaleToY: 1024, truncateX: 0, truncateY: 0, infotext: { key: 'Hires upscale', value: '2' } });
    expect(hiresTarget({ width: 512, height: 768, scale: 1.5 })).toMatchObject({ upscaleToX: 768, upscaleToY: 1152 });
    expect(hiresTarget({ width: 520, height: 512, scale: 1.33 })).toMatchObject({ upscaleToX: 691, upscaleToY: 680 });
    expect(hiresTarget({ width: 512, height: 512, scale: 2, resizeX: 1024, resizeY: 0 })).toMatchObject({ upscaleToX: 1024, upscaleToY: 1024, infotext: { key: 'Hires resize', value: '1024x0' } });
    expect(hiresTarget({ width: 512, height: 768, scale: 2, resizeX: 0, resizeY: 1000 })).toMatchObject({ upscaleToX: 666, upscaleToY: 1000 });
    // 512x512 -> 1024x768: upscale to 1024x1024, crop 32 latent rows (16 top, 16 bottom)
    const t = hiresTarget({ width: 512, height: 512, scale: 2, resizeX: 1024, resizeY: 768 });
    expect(t).toMatchObject({ upscaleToX: 1024, upscaleToY: 1024, truncateX: 0, truncateY: 32 });
    expect(hiresTarget({ width: 512, height: 768, scale: 2, resizeX: 1000, resizeY: 1000 })).toMatchObject({ upscaleToX: 1000, upscaleToY: 1500, truncateX: 0, truncateY: 62 });
    expect(oldHiresFirstPass(1024, 768)).toEqual({ width: 640, height: 448 });
    expect(() => hiresTarget({ width: 512, height: 512, scale: 0 })).toThrow(expect.objectContaining({ code: 'bad-request' }));
  });
  it('upscales latents with the named A1111 upscaler and crops odd truncations one more at the end', () => {
    expect(Object.keys(LATENT_UPSCALE_MODES)).toEqual(['Latent', 'Latent (antialiased)', 'Latent (bicubic)', 'Latent (bicubic antialiased)', 'Latent (nearest)', 'Latent (nearest-exact)']);
    const x = Float32Array.from({ length: 2 * 2 }, (_, i) => i);
    const up = upscaleLatent(x, [1, 1, 2, 2], hiresTarget({ width: 16, height: 16, scale: 2 }), 'Latent (nearest)');
    expect(up.shape).toEqual([1, 1, 4, 4]);
    expect(Array.from(up.latent)).toEqual([0, 0, 1, 1, 0, 0, 1, 1, 2, 2, 3, 3, 2, 2, 3, 3]);
    const cropped = cropLatent(Float32Array.from({ length: 5 * 5 }, (_, i) => i), [1, 1, 5, 5], 3, 0);
    expect(cropped.shape).toEqual([1, 1, 5, 2]);
    expect(Array.from(cropped.latent.subarray(0, 2))).toEqual([1, 2]);
    expect(() => upscaleLatent(x, [1, 1, 2, 2], hiresTarget({ width: 16, height: 16, scale: 2 }), 'ESRGAN_4x')).toThrow(expect.objectContaining({ code: 'bad-request' }));
  });
});

describe('clip skip: hidden state -N, then the final LayerNorm (vs torch layer_norm)', () => {
  const ln = ref.layer_norm;
  it('LayerNorm over [tokens, 768] within 1e-6 of torch', () => {
    const y = layerNorm(Float32Array.from(ln.hidden), ln.width, Float32Array.from(ln.weight), Float32Array.from(ln.bias));
    expect(scaledErr(y, ln.out)).toBeLessThan(1e-6);
  });
  it('picks hidden state layers + 1 - N, none for N = 1', () => {
    expect(clipSkipHiddenState(1)).toBeNull();
    expect(clipSkipHiddenState(2)).toBe(11);
    expect(clipSkipHiddenState(12)).toBe(1);
    expect(() => clipSkipHiddenState(13)).toThrow(expect.objectContaining({ code: 'bad-request' }));
    expect(() => clipSkipHiddenState(0)).toThrow(expect.objectContaining({ code: 'bad-request' }));
    const states = Array.from({ length: 13 }, (_, i) => Float32Array.from(ln.hidden, (v) => v + i));
    const w = Float32Array.from(ln.weight);
    const b = Float32Array.from(ln.bias);
    const out = clipSkipStates(states, 2, { weight: w, bias: b }, ln.width);
    expect(Array.from(out!)).toEqual(Array.from(layerNorm(states[11]!, ln.width, w, b)));
    expect(clipSkipStates(states, 1, { weight: w, bias: b }, ln.width)).toBeNull();
  });
});
