/**
 * `generate`'s request options beyond the basics: img2img (--init-image, --denoise, --resize-mode), the hires
 * fix (--hires-*), and A1111's schedule type, clip skip, ENSD, variation seed, seed resize and batch size.
 * Flags are checked for their form here (a UsageError); ranges are the engine's `checkRequest`'s to refuse.
 */
import { readFile } from 'node:fs/promises';
import { MAX_INIT_PIXELS, RESIZE_MODES } from '../core/diffusion/img2img/init-image.ts';
import type { GenerateRequest, ResizeMode } from '../core/diffusion/pipeline/types.ts';
import { StudioError } from '../core/errors.ts';
import { decodePng } from '../core/formats/png.ts';
import type { RgbaImage } from '../core/progress.ts';
import { UsageError } from './errors.ts';

export const GENERATE_EXTRA_OPTIONS = {
  'init-image': { type: 'string' },
  denoise: { type: 'string' },
  'resize-mode': { type: 'string' },
  'hires-scale': { type: 'string' },
  'hires-resize': { type: 'string' },
  'hires-steps': { type: 'string' },
  'hires-denoise': { type: 'string' },
  'hires-upscaler': { type: 'string' },
  'hires-sampler': { type: 'string' },
  'hires-schedule-type': { type: 'string' },
  'schedule-type': { type: 'string' },
  'clip-skip': { type: 'string' },
  ensd: { type: 'string' },
  'variation-seed': { type: 'string' },
  'variation-strength': { type: 'string' },
  'seed-resize-from': { type: 'string' },
  'batch-size': { type: 'string' },
} as const;

type Values = Partial<Record<keyof typeof GENERATE_EXTRA_OPTIONS, string>>;

export function wholeArg(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^-?\d+$/.test(value)) throw new UsageError(`--${name} must be a whole number (got "${value}")`);
  return Number(value);
}

function numberArg(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new UsageError(`--${name} must be a number (got "${value}")`);
  return n;
}

function sizeArg(value: string | undefined, name: string): { width: number; height: number } | undefined {
  if (value === undefined) return undefined;
  const m = /^(\d{1,5})x(\d{1,5})$/.exec(value);
  if (!m) throw new UsageError(`--${name} must be WxH, e.g. 768x512 (got "${value}")`);
  return { width: Number(m[1]), height: Number(m[2]) };
}

/** A PNG's pixels, its IHDR size checked against the init image budget before anything is inflated. */
export async function readInitPng(path: string): Promise<RgbaImage> {
  const buf = await readFile(path);
  const bytes = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  const signature = [137, 80, 78, 71, 13, 10, 26, 10];
  if (bytes.length < 24 || !signature.every((b, i) => bytes[i] === b)) throw new StudioError('not-a-png', `${path} is not a PNG file.`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const width = view.getUint32(16);
  const height = view.getUint32(20);
  if (width * height > MAX_INIT_PIXELS) throw new StudioError('image-too-large', `${path} is ${width}x${height}: more than 4096x4096 pixels. Scale it down first.`, { width, height, maxPixels: MAX_INIT_PIXELS });
  try {
    return decodePng(bytes);
  } catch (e) {
    throw new StudioError('corrupt-png', `${path} does not decode as a PNG: ${(e as Error).message}`);
  }
}

/** The request fields these flags set (undefined where a flag is absent). */
export async function extraRequestFields(v: Values): Promise<Partial<GenerateRequest>> {
  const out: Partial<GenerateRequest> = {};
  if (v['schedule-type'] !== undefined) out.scheduleType = v['schedule-type'];
  const whole = { clipSkip: 'clip-skip', ensd: 'ensd', variationSeed: 'variation-seed', batchSize: 'batch-size' } as const;
  for (const [field, flag] of Object.entries(whole) as [keyof typeof whole, (typeof whole)[keyof typeof whole]][]) {
    const n = wholeArg(v[flag], flag);
    // A1111: a variation seed of -1 draws one (written into the PNG like the seed)
    if (n !== undefined) out[field] = field === 'variationSeed' && n < 0 ? Math.floor(Math.random() * 0xffffffff) : n;
  }
  const strength = numberArg(v['variation-strength'], 'variation-strength');
  if (strength !== undefined) out.variationStrength = strength;
  const from = sizeArg(v['seed-resize-from'], 'seed-resize-from');
  if (from) out.seedResizeFrom = from;
  if (v['init-image'] !== undefined) {
    const mode = v['resize-mode'] ?? 'just';
    const resizeMode = ({ just: 'just-resize', crop: 'crop-and-resize', fill: 'resize-and-fill' } as Record<string, ResizeMode>)[mode] ?? (RESIZE_MODES.includes(mode as ResizeMode) ? (mode as ResizeMode) : undefined);
    if (!resizeMode) throw new UsageError(`--resize-mode must be just, crop or fill (got "${mode}")`);
    out.init = { image: await readInitPng(v['init-image']), denoisingStrength: numberArg(v.denoise, 'denoise') ?? 0.75, resizeMode };
  } else if (v.denoise !== undefined || v['resize-mode'] !== undefined) {
    throw new UsageError('--denoise and --resize-mode are for img2img: give --init-image FILE.png');
  }
  const hiresFlags = ['hires-scale', 'hires-resize', 'hires-steps', 'hires-denoise', 'hires-upscaler', 'hires-sampler', 'hires-schedule-type'] as const;
  if (hiresFlags.some((f) => v[f] !== undefined)) {
    const resize = sizeArg(v['hires-resize'], 'hires-resize');
    const steps = wholeArg(v['hires-steps'], 'hires-steps');
    out.hires = {
      upscaler: v['hires-upscaler'] ?? 'Latent',
      scale: numberArg(v['hires-scale'], 'hires-scale') ?? 2,
      denoisingStrength: numberArg(v['hires-denoise'], 'hires-denoise') ?? 0.7,
      ...(resize ? { resizeX: resize.width, resizeY: resize.height } : {}),
      ...(steps !== undefined ? { steps } : {}),
      ...(v['hires-sampler'] !== undefined ? { sampler: v['hires-sampler'] } : {}),
      ...(v['hires-schedule-type'] !== undefined ? { scheduleType: v['hires-schedule-type'] } : {}),
    };
  }
  return out;
}
