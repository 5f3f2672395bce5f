/**
 * A Stable Diffusion model folder in Optimum's ONNX layout, read through an abstract source (HTTP for the
 * embedded demo, the user's disk or OPFS in the app, the file system in the CLI).
 */
import { StudioError } from '../../errors.ts';

export interface ModelSource {
  /** shown in messages and written as `Model:` in image parameters */
  readonly name: string;
  /** the file's bytes (path relative to the folder, `/`-separated), or null when it does not exist */
  read(path: string): Promise<Uint8Array | null>;
}

export const MODEL_FILES = {
  modelIndex: 'model_index.json',
  textEncoder: 'text_encoder/model.onnx',
  unet: 'unet/model.onnx',
  unetData: 'unet/model.onnx_data',
  unetConfig: 'unet/config.json',
  vaeDecoder: 'vae_decoder/model.onnx',
  vaeConfig: 'vae_decoder/config.json',
  vocab: 'tokenizer/vocab.json',
  merges: 'tokenizer/merges.txt',
  scheduler: 'scheduler/scheduler_config.json',
} as const;

/** Files without which nothing can be generated, with what they are for. */
export const REQUIRED_FILES: readonly [string, string][] = [
  [MODEL_FILES.textEncoder, 'the text encoder'],
  [MODEL_FILES.unet, 'the U-Net'],
  [MODEL_FILES.vaeDecoder, 'the VAE decoder'],
  [MODEL_FILES.vocab, 'the tokenizer vocabulary'],
  [MODEL_FILES.merges, 'the tokenizer merges'],
  [MODEL_FILES.scheduler, 'the noise schedule'],
];

export async function requireFile(source: ModelSource, path: string): Promise<Uint8Array> {
  const bytes = await source.read(path);
  if (!bytes) {
    const what = REQUIRED_FILES.find(([p]) => p === path)?.[1];
    throw new StudioError('missing-file', `The model folder "${source.name}" has no ${path}${what ? ` (${what})` : ''}. Export it with Optimum's ONNX layout.`, { path });
  }
  return bytes;
}

export function parseJsonFile(bytes: Uint8Array, path: string, source: ModelSource): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(new TextDecoder().decode(bytes));
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // fall through to the error below
  }
  throw new StudioError('bad-model-folder', `${path} in "${source.name}" is not a valid JSON object.`, { path });
}

export async function readOptionalJson(source: ModelSource, path: string): Promise<Record<string, unknown>> {
  const bytes = await source.read(path);
  return bytes ? parseJsonFile(bytes, path, source) : {};
}
