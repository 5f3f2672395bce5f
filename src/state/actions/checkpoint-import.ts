/**
 * An A1111 checkpoint (`.safetensors`/`.ckpt`, with its `<stem>.yaml` and `<stem>.vae.*` when dropped with it)
 * converted into an installed model, then loaded: the core builds the three ONNX networks and streams the weights
 * into OPFS shards (docs/checkpoints.md). The file is read in ranges, never whole, so multi-gigabyte checkpoints
 * convert within the tab's memory.
 */
import { pickCheckpoint } from '../../core/checkpoint/companions.ts';
import { convertCheckpoint, type TokenizerFiles } from '../../core/checkpoint/index.ts';
import { StudioError } from '../../core/errors.ts';
import { blobWeightFile } from '../../storage/blob-file.ts';
import { DEMO_MODEL } from '../model-types.ts';
import { openModelsDialog, runImport } from './storage.ts';

export interface CheckpointImportOptions {
  /** what the U-Net predicts; 'auto': the .yaml, else epsilon for SD 1.x; an SD 2.x file without one must say */
  prediction?: 'auto' | 'epsilon' | 'v_prediction';
  /** CLIP's tokenizer files; default: the embedded demo model's, which are CLIP's own */
  tokenizer?: () => Promise<TokenizerFiles>;
}

async function fetchBytes(url: string): Promise<Uint8Array> {
  const response = await fetch(url);
  if (!response.ok) throw new StudioError('missing-file', `${url} could not be fetched (${response.status}).`, { url });
  return new Uint8Array(await response.arrayBuffer());
}

async function demoTokenizer(): Promise<TokenizerFiles> {
  const base = new URL(`${DEMO_MODEL.baseUrl}tokenizer/`, globalThis.location?.href);
  const [vocab, merges] = await Promise.all([fetchBytes(new URL('vocab.json', base).href), fetchBytes(new URL('merges.txt', base).href)]);
  return { vocab, merges };
}

/** the last checkpoint drop: an SD 2.x file without its .yaml is imported again once the user says what it predicts */
let lastDrop: { files: readonly File[]; options: CheckpointImportOptions } | null = null;

/** Imports the last checkpoint again with the prediction the user chose (the import error offers both). */
export function retryCheckpointImport(prediction: 'epsilon' | 'v_prediction'): Promise<void> {
  return lastDrop ? importCheckpointFiles(lastDrop.files, { ...lastDrop.options, prediction }) : Promise.resolve();
}

/** Converts the dropped checkpoint into storage and loads it. Resolves when done; the outcome is in the store. */
export async function importCheckpointFiles(files: readonly File[], options: CheckpointImportOptions = {}): Promise<void> {
  lastDrop = { files, options };
  let drop;
  try {
    drop = pickCheckpoint(files);
  } catch (e) {
    return runImport('checkpoint', () => Promise.reject(e));
  }
  const { checkpoint, config, vae } = drop;
  // the Models dialog shows the conversion's progress and its outcome
  openModelsDialog();
  return runImport(checkpoint.name, async ({ fs, id, freeBytes, precision, signal, onProgress }) => {
    const tokenizer = await (options.tokenizer ?? demoTokenizer)();
    const result = await convertCheckpoint(
      { name: checkpoint.name, file: blobWeightFile(checkpoint) },
      {
        id,
        tokenizer,
        ...(config ? { config: { name: config.name, text: await config.text() } } : {}),
        ...(vae ? { vae: { name: vae.name, file: blobWeightFile(vae) } } : {}),
        // the Models dialog's "Convert to fp16" (on by default where the adapter has shader-f16)
        precision: precision === 'fp16' ? 'fp16' : 'fp32',
        prediction: options.prediction ?? 'auto',
        freeBytes,
        signal,
      },
      fs,
      ({ phase, file, bytesDone, bytesTotal }) => onProgress({ file: `${phase === 'build' ? 'Reading' : phase === 'hash' ? 'Hashing' : 'Converting'} ${file}`, bytesDone, bytesTotal }),
    );
    return result.manifest;
  });
}
