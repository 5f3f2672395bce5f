/** Decoded VAE output → RGBA pixels, and cheap latent previews. */
import type { RgbaImage } from '../../progress.ts';

const fl = Math.fround;

/**
 * [1, 3, H, W] in [-1, 1] → RGBA, as A1111 saves it: clamp((x + 1) / 2, 0, 1) · 255 in float32, then
 * numpy's `astype(uint8)` truncation.
 */
export function vaeOutputToRgba(data: Float32Array, width: number, height: number): RgbaImage {
  const plane = width * height;
  const out = new Uint8ClampedArray(plane * 4);
  for (let i = 0; i < plane; i++) {
    for (let c = 0; c < 3; c++) {
      const v = Math.min(Math.max(fl(fl(data[c * plane + i]! + 1) / 2), 0), 1);
      out[i * 4 + c] = Math.trunc(fl(255 * v));
    }
    out[i * 4 + 3] = 255;
  }
  return { width, height, data: out };
}

/**
 * SD 1.x latent → RGB factors (the "approx cheap" preview A1111 and ComfyUI use): each latent channel's
 * contribution to R, G, B.
 */
export const SD1_LATENT_RGB: readonly (readonly [number, number, number])[] = [
  [0.298, 0.207, 0.208],
  [0.187, 0.286, 0.173],
  [-0.158, 0.189, 0.264],
  [-0.184, -0.271, -0.473],
];

/** A latent-resolution preview [C, h, w] → RGBA through a linear map, no network call. */
export function latentPreview(latent: Float32Array, channels: number, h: number, w: number, factors = SD1_LATENT_RGB): RgbaImage {
  const plane = h * w;
  const out = new Uint8ClampedArray(plane * 4);
  for (let i = 0; i < plane; i++) {
    for (let c = 0; c < 3; c++) {
      let v = 0;
      for (let k = 0; k < Math.min(channels, factors.length); k++) v += latent[k * plane + i]! * factors[k]![c]!;
      out[i * 4 + c] = ((v + 1) / 2) * 255;
    }
    out[i * 4 + 3] = 255;
  }
  return { width: w, height: h, data: out };
}

/**
 * RGBA (opaque: init images are flattened first, init-image.ts) → the VAE's [1, 3, H, W] input as A1111 makes
 * it: `np.array(image).astype(np.float32) / 255`, then `image * 2 - 1` in float32 (`images_tensor_to_samples`).
 */
export function rgbaToVaeInput(image: RgbaImage): Float32Array {
  const plane = image.width * image.height;
  const out = new Float32Array(3 * plane);
  for (let i = 0; i < plane; i++) {
    for (let c = 0; c < 3; c++) out[c * plane + i] = fl(fl(image.data[i * 4 + c]! / 255) * 2 - 1);
  }
  return out;
}
