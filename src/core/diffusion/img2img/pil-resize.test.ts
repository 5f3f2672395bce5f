import { describe, expect, it } from 'vitest';
import { loadRef } from '../../../../test/reference/diffusion/load.ts';
import type { RgbaImage } from '../../progress.ts';
import { checkInitImage, flattenAlpha, prepareInitImage, RESIZE_MODES } from './init-image.ts';
import { pilResize, type PilBox, type PilFilter } from './pil-resize.ts';

interface PilRef {
  src: { width: number; height: number; rgb: number[] };
  rgba: { width: number; height: number; rgba: number[] };
  flattened: number[];
  resizes: { width: number; height: number; filter: PilFilter; out: number[] }[];
  boxes: { width: number; height: number; box: number[]; out: number[] }[];
  modes: { mode: number; width: number; height: number; out: number[] }[];
}
const ref = loadRef<PilRef>('pil.json');

function fromRgb(width: number, height: number, rgb: readonly number[]): RgbaImage {
  const data = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < width * height; i++) data.set([rgb[i * 3]!, rgb[i * 3 + 1]!, rgb[i * 3 + 2]!, 255], i * 4);
  return { width, height, data };
}
const rgbOf = (im: RgbaImage) => Array.from(im.data).filter((_, i) => i % 4 !== 3);
const src = fromRgb(ref.src.width, ref.src.height, ref.src.rgb);

describe("Pillow's resize (pil.json, Pillow's own output)", () => {
  for (const r of ref.resizes) {
    it(`${r.filter} ${ref.src.width}x${ref.src.height} -> ${r.width}x${r.height}, every byte`, () => {
      expect(rgbOf(pilResize(src, r.width, r.height, r.filter))).toEqual(r.out);
    });
  }
  it("BICUBIC from a zero-width/height box (A1111's fill strips)", () => {
    for (const b of ref.boxes) expect(rgbOf(pilResize(src, b.width, b.height, 'bicubic', b.box as unknown as PilBox)), JSON.stringify(b.box)).toEqual(b.out);
  });
});

describe("A1111's init image: flatten onto white, resize_image's three modes", () => {
  const rgba: RgbaImage = { width: ref.rgba.width, height: ref.rgba.height, data: Uint8ClampedArray.from(ref.rgba.rgba) };
  it('flattens alpha as Pillow pastes with the alpha mask', () => {
    expect(rgbOf(flattenAlpha(rgba))).toEqual(ref.flattened);
  });
  for (const m of ref.modes) {
    it(`${RESIZE_MODES[m.mode]} to ${m.width}x${m.height}`, () => {
      expect(rgbOf(prepareInitImage(rgba, m.width, m.height, RESIZE_MODES[m.mode]))).toEqual(m.out);
    });
  }
  it('refuses an image over the pixel budget and inconsistent data, before touching the pixels', () => {
    expect(() => checkInitImage({ width: 5000, height: 4000, data: new Uint8ClampedArray(4) })).toThrow(expect.objectContaining({ code: 'image-too-large' }));
    expect(() => checkInitImage({ width: 4, height: 4, data: new Uint8ClampedArray(12) })).toThrow(expect.objectContaining({ code: 'bad-request' }));
    expect(() => checkInitImage({ width: 0, height: 4, data: new Uint8ClampedArray(0) })).toThrow(expect.objectContaining({ code: 'bad-request' }));
  });
});
