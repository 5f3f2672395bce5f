/**
 * An init image as A1111 1.10 prepares it (`StableDiffusionProcessingImg2Img.init`): transparency flattened
 * onto the "img2img background color" (white by default, `images.flatten`: Pillow's paste with the image's alpha
 * as mask, then RGB), then fitted to width × height by `images.resize_image` (LANCZOS, Pillow's resize):
 * 'just-resize' stretches; 'crop-and-resize' scales to cover and crops the centre; 'resize-and-fill' scales to
 * fit, centres on black and fills the empty bands by stretching the resized image's outer row or column pair
 * (a Pillow resize from a zero-height/width box: its default BICUBIC filter mixes the two edge lines).
 * Spec: docs/img2img-hires.md §9.
 */
import { StudioError } from '../../errors.ts';
import type { RgbaImage } from '../../progress.ts';
import type { ResizeMode } from '../pipeline/types.ts';
import { pilResize, type PilFilter } from './pil-resize.ts';

export const RESIZE_MODES: readonly ResizeMode[] = ['just-resize', 'crop-and-resize', 'resize-and-fill'];

/** Init images decode and resample whole: at most this many pixels (4096²). */
export const MAX_INIT_PIXELS = 4096 * 4096;

const floorDiv = (a: number, b: number) => Math.floor(a / b);

/** Pillow's `(255·(255 − a) + c·a) / 255` rounding (`BLEND`/`DIV255`): alpha composited onto `background`. */
export function flattenAlpha(img: RgbaImage, background: readonly [number, number, number] = [255, 255, 255]): RgbaImage {
  const out = new Uint8ClampedArray(img.data.length);
  for (let i = 0; i < img.data.length; i += 4) {
    const a = img.data[i + 3]!;
    for (let c = 0; c < 3; c++) {
      const t = background[c]! * (255 - a) + img.data[i + c]! * a + 128;
      out[i + c] = ((t >> 8) + t) >> 8;
    }
    out[i + 3] = 255;
  }
  return { width: img.width, height: img.height, data: out };
}

/** Pillow's `paste` of `src` at (dx, dy) onto `dst` (clipped to it), RGB. */
function paste(dst: RgbaImage, src: RgbaImage, dx: number, dy: number): void {
  for (let y = Math.max(0, -dy); y < src.height && y + dy < dst.height; y++) {
    const x0 = Math.max(0, -dx);
    const x1 = Math.min(src.width, dst.width - dx);
    if (x1 > x0) dst.data.set(src.data.subarray((y * src.width + x0) * 4, (y * src.width + x1) * 4), ((y + dy) * dst.width + dx + x0) * 4);
  }
}

function black(width: number, height: number): RgbaImage {
  const data = new Uint8ClampedArray(width * height * 4);
  for (let i = 3; i < data.length; i += 4) data[i] = 255;
  return { width, height, data };
}

/** A1111's `resize_image(mode, im, width, height)` with its default upscaler (None: LANCZOS). */
export function resizeImage(mode: ResizeMode, im: RgbaImage, width: number, height: number, resize: (im: RgbaImage, w: number, h: number) => RgbaImage = (i, w, h) => pilResize(i, w, h, 'lanczos')): RgbaImage {
  if (mode === 'just-resize') return resize(im, width, height);
  const ratio = width / height;
  const srcRatio = im.width / im.height;
  const crop = mode === 'crop-and-resize';
  const wide = crop ? ratio > srcRatio : ratio < srcRatio;
  const tall = crop ? ratio <= srcRatio : ratio >= srcRatio;
  const srcW = wide ? width : floorDiv(im.width * height, im.height);
  const srcH = tall ? height : floorDiv(im.height * width, im.width);
  const resized = resize(im, srcW, srcH);
  const res = black(width, height);
  paste(res, resized, floorDiv(width, 2) - floorDiv(srcW, 2), floorDiv(height, 2) - floorDiv(srcH, 2));
  if (crop) return res;
  const bicubic: PilFilter = 'bicubic';
  if (ratio < srcRatio) {
    const fill = floorDiv(height, 2) - floorDiv(srcH, 2);
    if (fill > 0) {
      paste(res, pilResize(resized, width, fill, bicubic, [0, 0, width, 0]), 0, 0);
      paste(res, pilResize(resized, width, fill, bicubic, [0, resized.height, width, resized.height]), 0, fill + srcH);
    }
  } else if (ratio > srcRatio) {
    const fill = floorDiv(width, 2) - floorDiv(srcW, 2);
    if (fill > 0) {
      paste(res, pilResize(resized, fill, height, bicubic, [0, 0, 0, height]), 0, 0);
      paste(res, pilResize(resized, fill, height, bicubic, [resized.width, 0, resized.width, height]), fill + srcW, 0);
    }
  }
  return res;
}

/** Checks an init image's size and data before any work (`image-too-large`, `bad-request`). */
export function checkInitImage(im: RgbaImage): void {
  if (!(Number.isSafeInteger(im.width) && Number.isSafeInteger(im.height) && im.width >= 1 && im.height >= 1)) throw new StudioError('bad-request', `The init image has no pixels (${im.width}x${im.height}).`);
  if (im.width * im.height > MAX_INIT_PIXELS) throw new StudioError('image-too-large', `The init image is ${im.width}x${im.height}: more than ${MAX_INIT_PIXELS.toLocaleString('en')} pixels (4096x4096). Scale it down first.`, { width: im.width, height: im.height, maxPixels: MAX_INIT_PIXELS });
  const data: unknown = im.data;
  if (!(data instanceof Uint8ClampedArray || data instanceof Uint8Array) || data.length !== im.width * im.height * 4) throw new StudioError('bad-request', `The init image's pixel data is ${im.data?.length ?? 0} bytes; ${im.width}x${im.height} RGBA needs ${im.width * im.height * 4}.`);
}

/** The init image flattened and fitted to width × height. */
export function prepareInitImage(im: RgbaImage, width: number, height: number, mode: ResizeMode = 'just-resize'): RgbaImage {
  checkInitImage(im);
  return resizeImage(mode, flattenAlpha(im), width, height);
}

/** A1111's built-in image upscalers usable for the hires fix here (ESRGAN and friends are networks we do not ship). */
export const IMAGE_UPSCALERS = ['None', 'Lanczos', 'Nearest'] as const;
export type ImageUpscaler = (typeof IMAGE_UPSCALERS)[number];

export function isImageUpscaler(name: string): name is ImageUpscaler {
  return (IMAGE_UPSCALERS as readonly string[]).includes(name);
}

/**
 * `resize_image(0, im, width, height, upscaler_name)`: with a real upscaler and a scale above 1, the upscaler's
 * `upscale` (one `do_upscale` by the scale: Pillow LANCZOS or NEAREST to int(side · scale), then LANCZOS to the
 * side · scale floored to a multiple of 8), then LANCZOS to the exact size; "None" is LANCZOS alone.
 */
export function upscaleImage(im: RgbaImage, width: number, height: number, upscaler: ImageUpscaler): RgbaImage {
  let out = im;
  const scale = Math.max(width / im.width, height / im.height);
  if (upscaler !== 'None' && scale > 1) {
    const destW = Math.floor((im.width * scale) / 8) * 8;
    const destH = Math.floor((im.height * scale) / 8) * 8;
    if (out.width < destW || out.height < destH) out = pilResize(out, Math.trunc(out.width * scale), Math.trunc(out.height * scale), upscaler === 'Lanczos' ? 'lanczos' : 'nearest');
    if (out.width !== destW || out.height !== destH) out = pilResize(out, destW, destH, 'lanczos');
  }
  if (out.width !== width || out.height !== height) out = pilResize(out, width, height, 'lanczos');
  return out;
}
