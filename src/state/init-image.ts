/**
 * img2img's input image: a picked, dropped or pasted file decoded in the page into RGBA, within bounds, and
 * the form sizes it suggests. The decoder is injectable (the browser's `createImageBitmap` + canvas by default)
 * so the bounds are tested without a DOM.
 */
import { StudioError } from '../core/errors.ts';
import { MAX_INIT_PIXELS } from '../core/diffusion/img2img/init-image.ts';
import type { RgbaImage } from './generation-types.ts';

/** The pipeline's pixel budget (4096², 64 MiB of RGBA): the page refuses beyond it before reading the pixels. */
export { MAX_INIT_PIXELS };
/** Encoded files above this are refused before any decoding (a 4096² PNG is at most ~64 MiB). */
export const MAX_INIT_FILE_BYTES = 100 * 1024 * 1024;

/** A decoded image not yet read into pixels: its size first, so a huge one is refused before its RGBA exists. */
export interface DecodedImage {
  width: number;
  height: number;
  /** the pixels (called only within the bounds) */
  pixels(): RgbaImage;
  close(): void;
}

export type ImageDecoder = (file: Blob) => Promise<DecodedImage>;

/** Refuses an image over the side or pixel budget, saying which and what is accepted. */
export function checkInitSize(width: number, height: number): void {
  if (width < 1 || height < 1) throw new StudioError('not-an-image', 'The image has no pixels.', { width, height });
  if (width * height > MAX_INIT_PIXELS) {
    const mp = (n: number) => (n / 1e6).toFixed(2);
    throw new StudioError('image-too-large', `The image is ${width}×${height}, ${mp(width * height)} megapixels; img2img takes up to ${mp(MAX_INIT_PIXELS)} (4096×4096). Scale it down first.`, {
      width,
      height,
      maxPixels: MAX_INIT_PIXELS,
    });
  }
}

/** The browser's decoder: createImageBitmap, then a canvas (Offscreen where there is one) for the RGBA. */
export const browserImageDecoder: ImageDecoder = async (file) => {
  const bitmap = await createImageBitmap(file, { premultiplyAlpha: 'none', colorSpaceConversion: 'none' });
  return {
    width: bitmap.width,
    height: bitmap.height,
    pixels() {
      const { width, height } = bitmap;
      const canvas = typeof OffscreenCanvas === 'function' ? new OffscreenCanvas(width, height) : Object.assign(document.createElement('canvas'), { width, height });
      const ctx = canvas.getContext('2d') as OffscreenCanvasRenderingContext2D | CanvasRenderingContext2D | null;
      if (!ctx) throw new StudioError('not-an-image', 'This browser gave no 2D canvas to read the image with.');
      ctx.drawImage(bitmap, 0, 0);
      return { width, height, data: ctx.getImageData(0, 0, width, height).data };
    },
    close: () => bitmap.close(),
  };
};

/** Decodes an image file into RGBA within the bounds; `StudioError` `not-an-image` / `image-too-large` otherwise. */
export async function decodeInitImage(file: Blob & { name?: string }, decode: ImageDecoder = browserImageDecoder): Promise<RgbaImage> {
  const name = file.name ? `"${file.name.slice(0, 80)}"` : 'The pasted image';
  if (file.size > MAX_INIT_FILE_BYTES) {
    throw new StudioError('image-too-large', `${name} is ${(file.size / 2 ** 20).toFixed(0)} MiB; img2img reads image files up to ${MAX_INIT_FILE_BYTES / 2 ** 20} MiB.`, { bytes: file.size });
  }
  let decoded: DecodedImage;
  try {
    decoded = await decode(file);
  } catch (e) {
    throw new StudioError('not-an-image', `${name} is not an image this browser can decode (PNG, JPEG, WebP, GIF, BMP, AVIF).`, { cause: e instanceof Error ? e.message : String(e) });
  }
  try {
    checkInitSize(decoded.width, decoded.height);
    return decoded.pixels();
  } finally {
    decoded.close();
  }
}

/** A size rounded to the model's size step, within the form's range (step × 2 … 2048). */
export function roundToStep(v: number, step: number): number {
  const max = Math.floor(2048 / step) * step;
  return Math.min(max, Math.max(step * 2, Math.round(v / step) * step));
}

/** The form size for an image: each side rounded to the step ("Use image size"). */
export function formSizeFor(image: { width: number; height: number }, step: number): { width: number; height: number } {
  return { width: roundToStep(image.width, step), height: roundToStep(image.height, step) };
}
