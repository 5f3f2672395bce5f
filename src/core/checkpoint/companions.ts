/**
 * Which dropped files are an A1111 checkpoint and its companions. A1111 reads `<stem>.yaml` beside a checkpoint as
 * its LDM config and `<stem>.vae.pt|.vae.ckpt|.vae.safetensors` as its VAE; the app takes them from the same drop
 * (a browser cannot look beside a file), matched the same way.
 */
import { StudioError } from '../errors.ts';
import { checkpointStem } from './convert.ts';

export const VAE_SUFFIXES = ['.vae.pt', '.vae.ckpt', '.vae.safetensors'] as const;
export const CONFIG_SUFFIX = '.yaml';

/** A `.ckpt` this large is a model checkpoint; a smaller one may be a renamed hypernetwork (A1111 lists `.pt` only). */
export const CHECKPOINT_CKPT_BYTES = 1024 ** 3;

interface Named {
  readonly name: string;
  readonly size: number;
}

const lower = (name: string) => name.toLowerCase();
const isVae = (name: string) => VAE_SUFFIXES.some((s) => lower(name).endsWith(s));

/**
 * True for a file the app converts as a checkpoint: any `.safetensors` (A1111 hypernetworks are `.pt`), a `.ckpt`
 * of a checkpoint's size, and the companions (`.yaml`, `.vae.*`) that come with one.
 */
export function isCheckpointPart(file: Named): boolean {
  const name = lower(file.name);
  if (name.endsWith(CONFIG_SUFFIX) || isVae(name)) return true;
  if (name.endsWith('.safetensors')) return true;
  return name.endsWith('.ckpt') && file.size >= CHECKPOINT_CKPT_BYTES;
}

export interface CheckpointDrop<T extends Named> {
  checkpoint: T;
  /** `<stem>.yaml` */
  config: T | null;
  /** `<stem>.vae.*` */
  vae: T | null;
}

/** The checkpoint of a drop and its A1111 companions; one checkpoint at a time, a `bad-request` otherwise. */
export function pickCheckpoint<T extends Named>(files: readonly T[]): CheckpointDrop<T> {
  const models = files.filter((f) => !isVae(f.name) && !lower(f.name).endsWith(CONFIG_SUFFIX));
  if (models.length !== 1) {
    throw new StudioError(
      'bad-request',
      models.length === 0
        ? 'Drop the checkpoint (.safetensors or .ckpt) together with its .yaml or .vae file.'
        : `Drop one checkpoint at a time (got ${models.map((m) => m.name).join(', ')}).`,
    );
  }
  const checkpoint = models[0]!;
  const stem = lower(checkpointStem(checkpoint.name));
  const configs = files.filter((f) => lower(f.name).endsWith(CONFIG_SUFFIX));
  const vaes = files.filter((f) => isVae(f.name));
  // A1111's names first; a single companion of a kind is meant for this checkpoint whatever its name
  const config = configs.find((f) => lower(f.name) === stem + CONFIG_SUFFIX) ?? (configs.length === 1 ? configs[0]! : null);
  const vae = vaes.find((f) => VAE_SUFFIXES.some((s) => lower(f.name) === stem + s)) ?? (vaes.length === 1 ? vaes[0]! : null);
  return { checkpoint, config, vae };
}
