/**
 * A1111's hires fix arithmetic (processing.py `StableDiffusionProcessingTxt2Img`): the target size, the latent
 * upscalers ("Latent …" = torch interpolate modes) and the crop after upscaling. Spec: docs/img2img-hires.md §3.
 */
import { StudioError } from '../../errors.ts';
import { interpolate, type InterpolateMode } from './interpolate.ts';

/** A1111's `shared.latent_upscale_modes`, in its order. */
export const LATENT_UPSCALE_MODES: Readonly<Record<string, { mode: InterpolateMode; antialias: boolean }>> = {
  Latent: { mode: 'bilinear', antialias: false },
  'Latent (antialiased)': { mode: 'bilinear', antialias: true },
  'Latent (bicubic)': { mode: 'bicubic', antialias: false },
  'Latent (bicubic antialiased)': { mode: 'bicubic', antialias: true },
  'Latent (nearest)': { mode: 'nearest', antialias: false },
  'Latent (nearest-exact)': { mode: 'nearest-exact', antialias: false },
};

/** A1111's default hires upscaler ("Latent"). */
export const DEFAULT_LATENT_UPSCALER = 'Latent';

export interface HiresRequest {
  /** First pass size (the form's width and height). */
  width: number;
  height: number;
  /** "Upscale by" (used when both resize sizes are 0). */
  scale: number;
  /** "Resize width/height to" (0 = unset). */
  resizeX?: number;
  resizeY?: number;
}

export interface HiresTarget {
  /** The size the first pass is upscaled to (hr_upscale_to_x/y), pixels. */
  upscaleToX: number;
  upscaleToY: number;
  /** Latent columns/rows A1111 crops after upscaling to reach the asked resize (truncate_x/y). */
  truncateX: number;
  truncateY: number;
  /** The infotext entry A1111 adds: `Hires upscale: 2` or `Hires resize: 1024x768`. */
  infotext: { key: 'Hires upscale' | 'Hires resize'; value: string };
}

const floorDiv = (a: number, b: number) => Math.floor(a / b);

/** `calculate_target_resolution` (use_old_hires_fix_width_height off). */
export function hiresTarget(r: HiresRequest, formatScale: (v: number) => string = String): HiresTarget {
  const { width, height, scale } = r;
  const rx = r.resizeX ?? 0;
  const ry = r.resizeY ?? 0;
  if (![width, height, rx, ry].every((v) => Number.isInteger(v) && v >= 0) || width === 0 || height === 0) {
    throw new StudioError('bad-request', 'Hires sizes must be whole numbers of pixels.');
  }
  if (rx === 0 && ry === 0) {
    if (!(scale > 0 && Number.isFinite(scale))) throw new StudioError('bad-request', `Hires upscale must be positive (got ${scale}).`);
    return {
      upscaleToX: Math.trunc(width * scale),
      upscaleToY: Math.trunc(height * scale),
      truncateX: 0,
      truncateY: 0,
      infotext: { key: 'Hires upscale', value: formatScale(scale) },
    };
  }
  const infotext = { key: 'Hires resize' as const, value: `${rx}x${ry}` };
  if (ry === 0) return { upscaleToX: rx, upscaleToY: floorDiv(rx * height, width), truncateX: 0, truncateY: 0, infotext };
  if (rx === 0) return { upscaleToX: floorDiv(ry * width, height), upscaleToY: ry, truncateX: 0, truncateY: 0, infotext };
  let ux: number;
  let uy: number;
  if (width / height < rx / ry) [ux, uy] = [rx, floorDiv(rx * height, width)];
  else [ux, uy] = [floorDiv(ry * width, height), ry];
  return { upscaleToX: ux, upscaleToY: uy, truncateX: floorDiv(ux - rx, 8), truncateY: floorDiv(uy - ry, 8), infotext };
}

/** A1111's old first-pass size rule (option "use_old_hires_fix_width_height"): about 512², multiples of 64. */
export function oldHiresFirstPass(width: number, height: number): { width: number; height: number } {
  const scale = Math.sqrt((512 * 512) / (width * height));
  return { width: Math.ceil((scale * width) / 64) * 64, height: Math.ceil((scale * height) / 64) * 64 };
}

/**
 * A latent upscaler: interpolate [B, C, h, w] to the target's latent size (upscale_to // 8), then crop
 * truncate // 2 from the top/left and (truncate + 1) // 2 from the bottom/right, as A1111 slices it.
 */
export function upscaleLatent(
  x: Float32Array,
  shape: readonly [number, number, number, number],
  target: HiresTarget,
  upscaler: string,
): { latent: Float32Array; shape: [number, number, number, number] } {
  const mode = LATENT_UPSCALE_MODES[upscaler];
  if (!mode) throw new StudioError('bad-request', `"${upscaler.slice(0, 60)}" is not a latent upscaler (${Object.keys(LATENT_UPSCALE_MODES).join(', ')}).`);
  const [b, c] = shape;
  const oh = floorDiv(target.upscaleToY, 8);
  const ow = floorDiv(target.upscaleToX, 8);
  const up = interpolate(x, shape, [oh, ow], mode.mode, mode.antialias);
  return cropLatent(up, [b, c, oh, ow], target.truncateX, target.truncateY);
}

/** samples[:, :, ty//2 : h - (ty+1)//2, tx//2 : w - (tx+1)//2] (the same crop applies to image upscales). */
export function cropLatent(x: Float32Array, shape: readonly [number, number, number, number], truncateX: number, truncateY: number): { latent: Float32Array; shape: [number, number, number, number] } {
  const [b, c, h, w] = shape;
  const y0 = floorDiv(truncateY, 2);
  const x0 = floorDiv(truncateX, 2);
  const nh = Math.max(h - floorDiv(truncateY + 1, 2) - y0, 0);
  const nw = Math.max(w - floorDiv(truncateX + 1, 2) - x0, 0);
  if (nh === h && nw === w) return { latent: x, shape: [b, c, h, w] };
  const out = new Float32Array(b * c * nh * nw);
  for (let p = 0; p < b * c; p++) for (let y = 0; y < nh; y++) for (let xx = 0; xx < nw; xx++) out[(p * nh + y) * nw + xx] = x[(p * h + y0 + y) * w + x0 + xx] ?? 0;
  return { latent: out, shape: [b, c, nh, nw] };
}
