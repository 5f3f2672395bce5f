/**
 * A1111's variation seeds and "Resize seed from" (modules/rng.py `ImageRNG.first`, `slerp`), pure functions
 * over one image's [C, H, W] noise. Spec: docs/img2img-hires.md §4 (variation seeds) and §5 (seed resize).
 */
import { StudioError } from '../../errors.ts';
import { fl } from './f32math.ts';

const f32 = Math.fround;

/**
 * A1111 `slerp(val, low, high)` on [C, H, W]: the vectors it interpolates run along H (torch.norm(dim=1) of a
 * 3-D tensor), one per (channel, column). When the mean cosine exceeds 0.9995 it takes A1111's fallback
 * `low * val + high * (1 - val)` (weights swapped relative to slerp, as A1111 has it).
 */
export function slerp(val: number, low: Float32Array, high: Float32Array, shape: readonly [number, number, number]): Float32Array {
  const [c, h, w] = shape;
  if (low.length !== c * h * w || high.length !== low.length) throw new StudioError('internal-error', 'slerp: shape mismatch');
  const v = fl(val);
  const idx = (ci: number, hi: number, wi: number) => (ci * h + hi) * w + wi;
  const norm = (x: Float32Array, ci: number, wi: number) => {
    let acc = 0;
    for (let hi = 0; hi < h; hi++) acc += (x[idx(ci, hi, wi)] ?? 0) ** 2;
    return fl(Math.sqrt(fl(acc)));
  };
  const dot = new Float32Array(c * w);
  let mean = 0;
  for (let ci = 0; ci < c; ci++) {
    for (let wi = 0; wi < w; wi++) {
      const nl = norm(low, ci, wi);
      const nh = norm(high, ci, wi);
      let acc = 0;
      for (let hi = 0; hi < h; hi++) acc += fl(fl((low[idx(ci, hi, wi)] ?? 0) / nl) * fl((high[idx(ci, hi, wi)] ?? 0) / nh));
      dot[ci * w + wi] = acc;
      mean += dot[ci * w + wi] ?? 0;
    }
  }
  const out = new Float32Array(low.length);
  if (fl(fl(mean) / dot.length) > f32(0.9995)) {
    const a = fl(1 - val);
    for (let k = 0; k < out.length; k++) out[k] = fl((low[k] ?? 0) * v) + fl((high[k] ?? 0) * a);
    return out;
  }
  const oneMinus = fl(1 - val);
  for (let ci = 0; ci < c; ci++) {
    for (let wi = 0; wi < w; wi++) {
      const omega = fl(Math.acos(dot[ci * w + wi] ?? 0));
      const so = fl(Math.sin(omega));
      const s0 = fl(fl(Math.sin(fl(oneMinus * omega))) / so);
      const s1 = fl(fl(Math.sin(fl(v * omega))) / so);
      for (let hi = 0; hi < h; hi++) {
        const k = idx(ci, hi, wi);
        out[k] = fl(s0 * (low[k] ?? 0)) + fl(s1 * (high[k] ?? 0));
      }
    }
  }
  return out;
}

/** The latent shape A1111 draws the seed's noise at for "Resize seed from" W x H (pixels): [C, H // 8, W // 8]. */
export function seedResizeShape(channels: number, from: { width: number; height: number }): [number, number, number] {
  return [channels, Math.trunc(from.height) >> 3, Math.trunc(from.width) >> 3];
}

/**
 * A1111's paste of the noise drawn at the old size into the noise of the new size: centred, cropped where the
 * old one is bigger. `target` is overwritten in place and returned.
 */
export function pasteResizedNoise(
  target: Float32Array,
  shape: readonly [number, number, number],
  source: Float32Array,
  sourceShape: readonly [number, number, number],
): Float32Array {
  const [c, th, tw] = shape;
  const [, sh, sw] = sourceShape;
  const floorDiv = (a: number, b: number) => Math.floor(a / b);
  let dx = floorDiv(tw - sw, 2);
  let dy = floorDiv(th - sh, 2);
  const w = dx >= 0 ? sw : sw + 2 * dx;
  const h = dy >= 0 ? sh : sh + 2 * dy;
  const tx = dx < 0 ? 0 : dx;
  const ty = dy < 0 ? 0 : dy;
  dx = Math.max(-dx, 0);
  dy = Math.max(-dy, 0);
  for (let ci = 0; ci < c; ci++) {
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        // numpy slices clip at the edge: an odd difference can leave the last row/column out of range
        if (ty + y >= th || tx + x >= tw || dy + y >= sh || dx + x >= sw) continue;
        target[(ci * th + ty + y) * tw + tx + x] = source[(ci * sh + dy + y) * sw + dx + x] ?? 0;
      }
    }
  }
  return target;
}

/** A1111's per-image seeds: with a variation strength every image keeps `seed` and the subseed counts up. */
export function variationSeeds(seed: number, subseed: number, strength: number, count: number): { seeds: number[]; subseeds: number[] } {
  return {
    seeds: Array.from({ length: count }, (_, i) => seed + (strength === 0 ? i : 0)),
    subseeds: Array.from({ length: count }, (_, i) => subseed + i),
  };
}
