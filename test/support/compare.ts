/** Comparisons of the app's outputs with PyTorch references, shared by the pipeline tests. */
import type { RgbaImage } from '../../src/core/progress.ts';

/** max |a − b| over max |b| */
export function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  let m = 0;
  for (let i = 0; i < b.length; i++) {
    d = Math.max(d, Math.abs(a[i]! - b[i]!));
    m = Math.max(m, Math.abs(b[i]!));
  }
  return d / m;
}

/** The largest difference, in 8-bit levels, between `image` and a [3, H, W] decoder output in [-1, 1] saved as A1111 saves it: clamp((x + 1) / 2) · 255, truncated. */
export function levelError(image: RgbaImage, reference: Float32Array): number {
  const plane = image.width * image.height;
  let worst = 0;
  for (let i = 0; i < plane; i++) {
    for (let c = 0; c < 3; c++) {
      const expected = Math.trunc(Math.fround(255 * Math.min(Math.max(Math.fround(Math.fround(reference[c * plane + i]! + 1) / 2), 0), 1)));
      worst = Math.max(worst, Math.abs(image.data[i * 4 + c]! - expected));
    }
  }
  return worst;
}
