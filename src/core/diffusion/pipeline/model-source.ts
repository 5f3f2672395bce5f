/**
 * A Stable Diffusion model folder in Optimum's ONNX layout (or the older diffusers export), read through an
 * abstract source: HTTP for the embedded demo, the user's files or OPFS in the app, the file system in the CLI.
 * Files are opened, not read: big ones (weights) are read in ranges as onnxruntime needs them.
 */
import { StudioError } from '../../errors.ts';
import type { WeightFile } from '../../onnx/weights.ts';
import { isSafeRelativePath } from '../../paths.ts';
import { createSha256 } from '../../storage/sha256.ts';

export interface ModelSource {
  /** shown in messages and written as `Model:` in image parameters */
  readonly name: string;
  /** a file by path relative to the folder (`/`-separated, checked safe by the caller), or null when absent */
  open(path: string): Promise<WeightFile | null>;
  /** A1111-style short hash when already known (an installed model's manifest records it at import) */
  readonly modelHash?: string;
}

export const MODEL_FILES = {
  modelIndex: 'model_index.json',
  textEncoder: 'text_encoder/model.onnx',
  unet: 'unet/model.onnx',
  unetConfig: 'unet/config.json',
  vaeDecoder: 'vae_decoder/model.onnx',
  vaeConfig: 'vae_decoder/config.json',
  vocab: 'tokenizer/vocab.json',
  merges: 'tokenizer/merges.txt',
  specialTokens: 'tokenizer/special_tokens_map.json',
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

/** Configs and tokenizer files are read whole; anything larger than this is not one of them. */
export const MAX_SMALL_FILE = 64 * 1024 * 1024;

/** Opens `path` after checking it cannot leave the folder (it may come from a graph's external-data location). */
export async function openModelFile(source: ModelSource, path: string): Promise<WeightFile | null> {
  if (!isSafeRelativePath(path)) throw new StudioError('unsafe-path', `"${path.slice(0, 200)}" is not a path inside the model folder "${source.name}".`, { path: path.slice(0, 200) });
  return source.open(path);
}

export function missingFile(source: ModelSource, path: string): StudioError {
  const what = REQUIRED_FILES.find(([p]) => p === path)?.[1];
  return new StudioError('missing-file', `The model folder "${source.name}" has no ${path}${what ? ` (${what})` : ''}. Export it with Optimum's ONNX layout.`, { path });
}

export async function requireModelFile(source: ModelSource, path: string): Promise<WeightFile> {
  const file = await openModelFile(source, path);
  if (!file) throw missingFile(source, path);
  return file;
}

/** A small file's bytes (configs, tokenizer), or null when it does not exist; bigger than MAX_SMALL_FILE is refused. */
export async function readSmallFile(source: ModelSource, path: string): Promise<Uint8Array | null> {
  const file = await openModelFile(source, path);
  if (!file) return null;
  if (file.size > MAX_SMALL_FILE) throw new StudioError('bad-model-folder', `${path} in "${source.name}" is ${file.size} bytes: too large for a config or tokenizer file.`, { path });
  return file.read(0, file.size);
}

export async function requireSmallFile(source: ModelSource, path: string): Promise<Uint8Array> {
  const bytes = await readSmallFile(source, path);
  if (!bytes) throw missingFile(source, path);
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
  const bytes = await readSmallFile(source, path);
  return bytes ? parseJsonFile(bytes, path, source) : {};
}

/** Streaming SHA-256 of a file in 4 MiB slices (a fp16 single-file U-Net is 1.7 GB). */
export async function fileSha256(file: WeightFile): Promise<string> {
  const hash = createSha256();
  const step = 4 * 1024 * 1024;
  for (let at = 0; at < file.size; at += step) hash.update(await file.read(at, Math.min(step, file.size - at)));
  return hash.hex();
}

/** A1111's short hash: the first 10 hex digits of the SHA-256 (of the U-Net's model.onnx, for an ONNX folder). */
export function shortHash(sha256: string): string {
  return sha256.slice(0, 10);
}
