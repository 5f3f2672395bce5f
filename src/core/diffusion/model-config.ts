/**
 * The sizes a model folder's `vae_decoder/config.json` and `unet/config.json` imply, checked against ranges
 * real Stable Diffusion models have. Without the checks a hostile `sample_size` of 10⁹ reached a typed-array
 * allocation during warm-up ("Invalid typed array length") instead of a `bad-model-folder` error.
 *
 * Pure. Meant for the pipeline's model loading (`pipeline.ts` reads these four numbers today).
 */
import { StudioError } from '../errors.ts';

export interface ModelGeometry {
  /** pixels per latent cell: 2^(VAE blocks − 1), 8 for SD */
  vaeScale: number;
  scalingFactor: number;
  /** the default image side in pixels: U-Net `sample_size` × vaeScale */
  defaultSize: number;
  /** image sides must be multiples of this: vaeScale × 2^(U-Net blocks − 1) */
  sizeStep: number;
}

/** The largest image side the pipeline accepts (its own size check). */
export const MAX_IMAGE_SIDE = 2048;
/** SD 1.x/2.x have 4 blocks in both networks; 8 leaves room while keeping 2^(n−1) small. */
const MAX_BLOCKS = 8;

type Config = Record<string, unknown>;

function bad(file: string, what: string): never {
  throw new StudioError('bad-model-folder', `${file}: ${what}.`);
}

function blockCount(config: Config, file: string): number | null {
  const blocks = config.block_out_channels;
  if (blocks === undefined) return null;
  if (!Array.isArray(blocks) || blocks.length < 1 || blocks.length > MAX_BLOCKS || !blocks.every((b) => Number.isInteger(b) && b > 0 && b <= 65536)) {
    bad(file, `block_out_channels must be a list of 1 to ${MAX_BLOCKS} positive channel counts`);
  }
  return blocks.length;
}

function finiteNumber(config: Config, key: string, file: string, min: number, max: number): number | null {
  const v = config[key];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) bad(file, `${key} must be a number from ${min} to ${max} (got ${JSON.stringify(v)?.slice(0, 40)})`);
  return v;
}

/** Missing keys take SD 1.x values (VAE scale 8, scaling 0.18215, sample_size 64, 4 U-Net blocks). */
export function modelGeometry(vaeConfig: Config, unetConfig: Config, files = { vae: 'vae_decoder/config.json', unet: 'unet/config.json' }): ModelGeometry {
  const vaeBlocks = blockCount(vaeConfig, files.vae);
  const vaeScale = vaeBlocks === null ? 8 : 2 ** (vaeBlocks - 1);
  const scalingFactor = finiteNumber(vaeConfig, 'scaling_factor', files.vae, 1e-6, 1e6) ?? 0.18215;
  const unetBlocks = blockCount(unetConfig, files.unet) ?? 1;
  const sizeStep = vaeScale * 2 ** Math.max(0, unetBlocks - 1);
  const maxSample = Math.floor(MAX_IMAGE_SIDE / vaeScale);
  const sample = finiteNumber(unetConfig, 'sample_size', files.unet, 1, maxSample) ?? 64;
  if (!Number.isInteger(sample)) bad(files.unet, `sample_size must be a whole number (got ${sample})`);
  if (sizeStep > MAX_IMAGE_SIDE) bad(files.unet, `its blocks need image sides in steps of ${sizeStep} px, beyond ${MAX_IMAGE_SIDE}`);
  return { vaeScale, scalingFactor, defaultSize: sample * vaeScale, sizeStep };
}
