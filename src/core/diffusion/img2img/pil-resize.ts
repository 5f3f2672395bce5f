/**
 * Pillow's `Image.resize` for 8-bit RGB, as A1111 resizes init images and image-upscaled hires passes
 * (Pillow's `libImaging/Resample.c`): a separable filter, horizontal pass then vertical, each rounded to 8 bits.
 * Per output pixel the filter's support (scaled by the reduction factor when shrinking) picks the input
 * pixels, weights are computed in double, normalized, then turned into 22-bit fixed point
 * (`(int)(w·2²² ± 0.5)`), summed from 2²¹ and shifted back with a clamp. NEAREST is Pillow's affine transform:
 * the source index is the accumulated double `box0 + (x + ½)·scale`, truncated. Spec: docs/img2img-hires.md §9.
 */
import type { RgbaImage } from '../../progress.ts';

export type PilFilter = 'nearest' | 'bilinear' | 'bicubic' | 'lanczos';

const PRECISION_BITS = 32 - 8 - 2;

function sinc(x: number): number {
  if (x === 0) return 1;
  const px = x * Math.PI;
  return Math.sin(px) / px;
}

/** Pillow's filters and their supports. */
const FILTERS: Record<Exclude<PilFilter, 'nearest'>, { support: number; f: (x: number) => number }> = {
  bilinear: { support: 1, f: (x) => (x < 0 ? -x : x) < 1 ? 1 - Math.abs(x) : 0 },
  bicubic: {
    support: 2,
    f: (x) => {
      const a = -0.5;
      const ax = x < 0 ? -x : x;
      if (ax < 1) return ((a + 2) * ax - (a + 3)) * ax * ax + 1;
      if (ax < 2) return (((ax - 5) * ax + 8) * ax - 4) * a;
      return 0;
    },
  },
  lanczos: { support: 3, f: (x) => (x >= -3 && x < 3 ? sinc(x) * sinc(x / 3) : 0) },
};

interface Coeffs {
  ksize: number;
  /** per output pixel: first input pixel and count */
  bounds: Int32Array;
  /** fixed-point weights, ksize per output pixel */
  kk: Int32Array;
}

/** `precompute_coeffs` + `normalize_coeffs_8bpc` for one axis. */
function coefficients(inSize: number, in0: number, in1: number, outSize: number, filter: { support: number; f: (x: number) => number }): Coeffs {
  const scale = (in1 - in0) / outSize;
  const filterscale = Math.max(scale, 1);
  const support = filter.support * filterscale;
  const ksize = Math.ceil(support) * 2 + 1;
  const bounds = new Int32Array(outSize * 2);
  const kk = new Int32Array(outSize * ksize);
  const k = new Float64Array(ksize);
  for (let xx = 0; xx < outSize; xx++) {
    const center = in0 + (xx + 0.5) * scale;
    const ss = 1 / filterscale;
    const xmin = Math.max(Math.trunc(center - support + 0.5), 0);
    const xmax = Math.min(Math.trunc(center + support + 0.5), inSize) - xmin;
    let ww = 0;
    for (let x = 0; x < xmax; x++) {
      const w = filter.f((x + xmin - center + 0.5) * ss);
      k[x] = w;
      ww += w;
    }
    for (let x = 0; x < ksize; x++) {
      const w = x < xmax ? (ww !== 0 ? k[x]! / ww : k[x]!) : 0;
      kk[xx * ksize + x] = Math.trunc(w < 0 ? -0.5 + w * (1 << PRECISION_BITS) : 0.5 + w * (1 << PRECISION_BITS));
    }
    bounds[xx * 2] = xmin;
    bounds[xx * 2 + 1] = Math.max(xmax, 0);
  }
  return { ksize, bounds, kk };
}

function clip8(v: number): number {
  if (v >= 1 << (PRECISION_BITS + 8)) return 255;
  if (v <= 0) return 0;
  return v >> PRECISION_BITS;
}

/** Pillow's box: the region of the source (floats, default the whole image) that is resized. */
export type PilBox = readonly [x0: number, y0: number, x1: number, y1: number];

/** RGB channels of an RGBA image resized as Pillow does for mode "RGB" (alpha comes back 255). */
export function pilResize(src: RgbaImage, width: number, height: number, filter: PilFilter, box: PilBox = [0, 0, src.width, src.height]): RgbaImage {
  if (filter === 'nearest') return nearest(src, width, height, box);
  const f = FILTERS[filter];
  const [x0, y0, x1, y1] = box;
  const needH = width !== src.width || x0 !== 0 || x1 !== width;
  const needV = height !== src.height || y0 !== 0 || y1 !== height;
  let img = { width: src.width, height: src.height, data: src.data };
  if (needH) {
    const c = coefficients(src.width, x0, x1, width, f);
    const out = new Uint8ClampedArray(width * img.height * 4);
    for (let y = 0; y < img.height; y++) {
      for (let xx = 0; xx < width; xx++) {
        const xmin = c.bounds[xx * 2]!;
        const n = c.bounds[xx * 2 + 1]!;
        for (let ch = 0; ch < 3; ch++) {
          let ss = 1 << (PRECISION_BITS - 1);
          for (let x = 0; x < n; x++) ss += img.data[(y * img.width + xmin + x) * 4 + ch]! * c.kk[xx * c.ksize + x]!;
          out[(y * width + xx) * 4 + ch] = clip8(ss);
        }
        out[(y * width + xx) * 4 + 3] = 255;
      }
    }
    img = { width, height: img.height, data: out };
  }
  if (needV) {
    const c = coefficients(src.height, y0, y1, height, f);
    const out = new Uint8ClampedArray(img.width * height * 4);
    for (let yy = 0; yy < height; yy++) {
      const ymin = c.bounds[yy * 2]!;
      const n = c.bounds[yy * 2 + 1]!;
      for (let x = 0; x < img.width; x++) {
        for (let ch = 0; ch < 3; ch++) {
          let ss = 1 << (PRECISION_BITS - 1);
          for (let y = 0; y < n; y++) ss += img.data[((ymin + y) * img.width + x) * 4 + ch]! * c.kk[yy * c.ksize + y]!;
          out[(yy * img.width + x) * 4 + ch] = clip8(ss);
        }
        out[(yy * img.width + x) * 4 + 3] = 255;
      }
    }
    img = { width: img.width, height, data: out };
  }
  if (!needH && !needV) return { width, height, data: opaque(src.data) };
  return img;
}

function opaque(data: Uint8ClampedArray): Uint8ClampedArray {
  const out = Uint8ClampedArray.from(data);
  for (let i = 3; i < out.length; i += 4) out[i] = 255;
  return out;
}

/** Pillow's NEAREST resize: an affine transform sampling at accumulated pixel centres (`affine_transform`). */
function nearest(src: RgbaImage, width: number, height: number, [x0, y0, x1, y1]: PilBox): RgbaImage {
  const a0 = (x1 - x0) / width;
  const a4 = (y1 - y0) / height;
  const out = new Uint8ClampedArray(width * height * 4);
  let yo = y0 + a4 * 0.5;
  for (let y = 0; y < height; y++) {
    let xx = x0 + a0 * 0.5;
    const yin = yo < 0 ? -1 : Math.trunc(yo);
    for (let x = 0; x < width; x++) {
      const xin = xx < 0 ? -1 : Math.trunc(xx);
      if (xin >= 0 && xin < src.width && yin >= 0 && yin < src.height) {
        for (let ch = 0; ch < 3; ch++) out[(y * width + x) * 4 + ch] = src.data[(yin * src.width + xin) * 4 + ch]!;
      }
      out[(y * width + x) * 4 + 3] = 255;
      xx += a0;
    }
    yo += a4;
  }
  return { width, height, data: out };
}
