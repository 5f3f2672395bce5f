/**
 * The hires fix between its passes (A1111's `sample_hr_pass`): the first pass's latents upscaled to the
 * target, by a latent mode (torch interpolate, hires.ts) or by an image upscaler (decode, Pillow resize as
 * `resize_image` with the upscaler, encode again), then cropped to the asked size. Spec: docs/img2img-hires.md §3.
 */
import { StudioError } from '../../errors.ts';
import { cropLatent, LATENT_UPSCALE_MODES, upscaleLatent } from '../img2img/hires.ts';
import { IMAGE_UPSCALERS, isImageUpscaler, upscaleImage } from '../img2img/init-image.ts';
import type { RgbaImage } from '../../progress.ts';
import type { HiresPlan } from './passes.ts';

export interface UpscaleParts {
  decode(latent: Float32Array, dims: readonly number[]): Promise<RgbaImage>;
  encode(image: RgbaImage, purpose: string): Promise<Float32Array>;
}

/** Every hires upscaler the pipeline runs, in A1111's menu order: its latent modes, then its built-in image upscalers. */
export const HIRES_UPSCALERS: readonly string[] = [...Object.keys(LATENT_UPSCALE_MODES), ...IMAGE_UPSCALERS];

export function isHiresUpscaler(name: string): boolean {
  return HIRES_UPSCALERS.includes(name);
}

/** `n` first-pass latents [n, C, h, w] (concatenated) → the second pass's init latents [n, C, H, W]. */
export async function hiresInitLatents(parts: UpscaleParts, latents: Float32Array, n: number, dims: readonly number[], plan: HiresPlan): Promise<Float32Array> {
  const [, c, h, w] = dims as [number, number, number, number];
  const { target, options } = plan;
  const name = options.upscaler;
  if (name in LATENT_UPSCALE_MODES) return upscaleLatent(latents, [n, c, h, w], target, name).latent;
  if (!isImageUpscaler(name)) throw new StudioError('bad-request', `Unknown hires upscaler "${name.slice(0, 60)}".`);
  const per = c * h * w;
  const oh = Math.floor(target.upscaleToY / 8);
  const ow = Math.floor(target.upscaleToX / 8);
  const out = new Float32Array(n * c * oh * ow);
  for (let k = 0; k < n; k++) {
    const image = await parts.decode(latents.subarray(k * per, (k + 1) * per), [1, c, h, w]);
    // A1111 encodes the image upscaled to hr_upscale_to (a multiple of 8 only when the target is)
    const up = upscaleImage(image, ow * 8, oh * 8, name);
    out.set(await parts.encode(up, `The hires upscaler "${name}"`), k * c * oh * ow);
  }
  return cropLatent(out, [n, c, oh, ow], target.truncateX, target.truncateY).latent;
}
