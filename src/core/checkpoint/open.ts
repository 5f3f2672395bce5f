/** Opens a checkpoint by its contents (not its name): a safetensors header, or a torch.save zip archive. */
import { StudioError } from '../errors.ts';
import { readCkpt } from './ckpt.ts';
import { looksLikeSafetensors, readSafetensors } from './safetensors.ts';
import { readExactly, type Checkpoint, type NamedFile } from './types.ts';

export async function openCheckpoint(f: NamedFile): Promise<Checkpoint> {
  if (f.file.size === 0) throw new StudioError('empty-file', `${f.name} is empty (0 bytes).`, { file: f.name });
  const head = await readExactly(f, 0, Math.min(9, f.file.size));
  if (looksLikeSafetensors(head)) return readSafetensors(f);
  if (head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04) return readCkpt(f);
  if (head[0] === 0x80) {
    throw new StudioError('unsupported-model', `${f.name} is a legacy (pre-1.6) torch file, which cannot be read in slices; re-save it with a current torch or as .safetensors.`, { file: f.name });
  }
  throw new StudioError('bad-checkpoint', `${f.name} is neither a .safetensors file nor a torch .ckpt archive.`, { file: f.name });
}
