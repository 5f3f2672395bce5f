/**
 * `torch.nn.functional.interpolate(x, size=(h, w), mode=…, antialias=…)` on [B, C, H, W] float32 latents, as
 * torch's CPU kernels compute it (align_corners False, A1111's latent upscalers). Spec: docs/img2img-hires.md §3.
 */
import { StudioError } from '../../errors.ts';
import { fmaf } from '../noise/f32math.ts';


const fl = Math.fround;

export type InterpolateMode = 'nearest' | 'nearest-exact' | 'bilinear' | 'bicubic';

/** One output index's source taps and weights along one axis. */
interface Taps {
  index: Int32Array;
  weight: Float32Array;
  size: number;
}

function nearestTaps(inSize: number, outSize: number, exact: boolean): Taps {
  const index = new Int32Array(outSize);
  const scale = fl(inSize / outSize);
  for (let i = 0; i < outSize; i++) {
    if (outSize === inSize) index[i] = i;
    else if (!exact && outSize === 2 * inSize) index[i] = i >> 1;
    else index[i] = Math.min(Math.floor(fl((exact ? i + 0.5 : i) * scale)), inSize - 1);
  }
  return { index, weight: new Float32Array(outSize).fill(1), size: 1 };
}

/** torch's `area_pixel_compute_source_index` (align_corners False): `i + 0.5` is a double there, one rounding. */
function sourceIndex(scale: number, i: number, cubic: boolean): number {
  const src = fl(scale * (i + 0.5) - 0.5);
  return !cubic && src < 0 ? 0 : src;
}

function linearTaps(inSize: number, outSize: number): Taps {
  const index = new Int32Array(outSize * 2);
  const weight = new Float32Array(outSize * 2);
  const scale = fl(inSize / outSize);
  for (let i = 0; i < outSize; i++) {
    if (outSize === inSize) {
      [index[2 * i], index[2 * i + 1], weight[2 * i], weight[2 * i + 1]] = [i, i, 1, 0];
      continue;
    }
    const src = sourceIndex(scale, i, false);
    const i0 = Math.min(Math.floor(src), inSize - 1);
    const l1 = Math.min(Math.max(fl(src - i0), 0), 1);
    index[2 * i] = i0;
    index[2 * i + 1] = i0 + (i0 < inSize - 1 ? 1 : 0);
    weight[2 * i] = fl(1 - l1);
    weight[2 * i + 1] = l1;
  }
  return { index, weight, size: 2 };
}

/** PyTorch's cubic convolution kernels (A = -0.75 plain, -0.5 antialiased, as PIL). */
const cubic1 = (x: number, a: number): number => fl(fl(fl(fl(fl(fl(a + 2) * x) - fl(a + 3)) * x) * x) + 1);
const cubic2 = (x: number, a: number): number => fl(fl(fl(fl(fl(fl(a * x) - fl(5 * a)) * x) + fl(8 * a)) * x) - fl(4 * a));

function cubicTaps(inSize: number, outSize: number): Taps {
  const index = new Int32Array(outSize * 4);
  const weight = new Float32Array(outSize * 4);
  const scale = fl(inSize / outSize);
  const a = -0.75;
  for (let i = 0; i < outSize; i++) {
    const src = outSize === inSize ? i : sourceIndex(scale, i, true);
    const i0 = Math.min(Math.floor(src), inSize - 1);
    const t = Math.min(Math.max(fl(src - i0), 0), 1);
    const x2 = fl(1 - t);
    const w = [cubic2(fl(t + 1), a), cubic1(t, a), cubic1(x2, a), cubic2(fl(x2 + 1), a)];
    for (let j = 0; j < 4; j++) {
      index[4 * i + j] = Math.max(Math.min(i0 - 1 + j, inSize - 1), 0);
      weight[4 * i + j] = w[j]!;
    }
  }
  return { index, weight, size: 4 };
}

/** torch's antialiased taps (`_compute_weights_aa`): a filter of support 1 (linear) or 2 (cubic), normalized. */
function aaTaps(inSize: number, outSize: number, cubic: boolean): Taps {
  const scale = fl(inSize / outSize);
  const half = cubic ? 2 : 1;
  const support = scale >= 1 ? fl(half * scale) : half;
  const invscale = scale >= 1 ? fl(1 / scale) : 1;
  const filter = (x0: number): number => {
    const x = Math.abs(x0);
    if (cubic) return x < 1 ? cubic1(x, -0.5) : x < 2 ? cubic2(x, -0.5) : 0;
    return x < 1 ? fl(1 - x) : 0;
  };
  const size = Math.ceil(support) * 2 + 1;
  const index = new Int32Array(outSize * size);
  const weight = new Float32Array(outSize * size);
  for (let i = 0; i < outSize; i++) {
    const center = fl(scale * (i + 0.5));
    const xmin = Math.max(Math.trunc(fl(center - support) + 0.5), 0);
    const xsize = Math.min(Math.trunc(fl(center + support) + 0.5), inSize) - xmin;
    let total = 0;
    const w: number[] = [];
    for (let j = 0; j < xsize; j++) {
      const v = filter(fl(fl(fl(j + xmin) - center) + 0.5) * invscale);
      w.push(v);
      total = fl(total + v);
    }
    for (let j = 0; j < size; j++) {
      index[i * size + j] = Math.min(xmin + j, inSize - 1);
      weight[i * size + j] = j < xsize ? (total !== 0 ? fl((w[j] ?? 0) / total) : (w[j] ?? 0)) : 0;
    }
  }
  return { index, weight, size };
}

function taps(inSize: number, outSize: number, mode: InterpolateMode, antialias: boolean): Taps {
  if (mode === 'nearest' || mode === 'nearest-exact') return nearestTaps(inSize, outSize, mode === 'nearest-exact');
  if (antialias) return aaTaps(inSize, outSize, mode === 'bicubic');
  return mode === 'bicubic' ? cubicTaps(inSize, outSize) : linearTaps(inSize, outSize);
}

/** sum_j src(index_j) * weight_j in float32, first term then running sum (torch's interpolation loops). */
/**
 * sum_j src(index_j) * weight_j in float32 as torch's compiled loops round it: a running fused multiply-add
 * (GCC contracts `out += t * w`); the two-tap plain kernel fuses the first product into the second.
 */
function tapSum(t: Taps, o: number, read: (i: number) => number, twoTapFirstFused = false): number {
  const v = (j: number) => read(t.index[o * t.size + j] ?? 0);
  const w = (j: number) => t.weight[o * t.size + j] ?? 0;
  if (twoTapFirstFused && t.size === 2) return fmaf(v(0), w(0), fl(v(1) * w(1)));
  let acc = fl(v(0) * w(0));
  for (let j = 1; j < t.size; j++) acc = fmaf(v(j), w(j), acc);
  return acc;
}

/**
 * Resize [B, C, H, W] to [B, C, outH, outW]. Plain modes interpolate both axes at once (H outer, W inner, as
 * torch's separable CPU loop); antialiased ones run a width pass, then a height pass, each skipped when that
 * size is unchanged.
 */
export function interpolate(
  x: Float32Array,
  shape: readonly [number, number, number, number],
  size: readonly [number, number],
  mode: InterpolateMode,
  antialias = false,
): Float32Array {
  const [b, c, h, w] = shape;
  const [oh, ow] = size;
  if (x.length !== b * c * h * w) throw new StudioError('internal-error', `interpolate: ${x.length} values for [${shape}]`);
  if (!(Number.isInteger(oh) && Number.isInteger(ow) && oh > 0 && ow > 0 && oh <= 16384 && ow <= 16384)) {
    throw new StudioError('bad-request', `Upscale size ${oh}x${ow} is not a positive whole size.`);
  }
  if (antialias && (mode === 'nearest' || mode === 'nearest-exact')) throw new StudioError('bad-request', 'Anti-aliasing applies to bilinear and bicubic only.');
  const th = taps(h, oh, mode, antialias);
  const tw = taps(w, ow, mode, antialias);
  const planes = b * c;
  if (antialias) {
    let cur = x;
    let cw = w;
    if (ow !== w) {
      const out = new Float32Array(planes * h * ow);
      for (let p = 0; p < planes; p++) for (let y = 0; y < h; y++) for (let o = 0; o < ow; o++) out[(p * h + y) * ow + o] = tapSum(tw, o, (i) => cur[(p * h + y) * cw + i] ?? 0);
      [cur, cw] = [out, ow];
    }
    if (oh === h) return cur === x ? Float32Array.from(x) : cur;
    const out = new Float32Array(planes * oh * cw);
    for (let p = 0; p < planes; p++) for (let o = 0; o < oh; o++) for (let xx = 0; xx < cw; xx++) out[(p * oh + o) * cw + xx] = tapSum(th, o, (i) => cur[(p * h + i) * cw + xx] ?? 0);
    return out;
  }
  const out = new Float32Array(planes * oh * ow);
  for (let p = 0; p < planes; p++) {
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        out[(p * oh + oy) * ow + ox] = tapSum(th, oy, (iy) => tapSum(tw, ox, (ix) => x[(p * h + iy) * w + ix] ?? 0, true), true);
      }
    }
  }
  return out;
}
