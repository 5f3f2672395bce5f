/**
 * Files the CLI writes never replace what the user had with something half-written: each output goes to a
 * temporary name in the same folder (same file system, so the rename is atomic), is flushed to disk, and
 * only then renamed over the destination. On any failure the temporary file is removed and the old file,
 * if there was one, is untouched.
 *
 *   await writeFileAtomic('out.safetensors', bytes);
 *   await replaceFiles([{ path: 'out.onnx_data', write: (fh) => … }, { path: 'out.onnx', write: … }]);
 *
 * `replaceFiles` writes every temporary first and renames only when all succeeded, in the order given (put
 * the file another one points to first, e.g. external data before the model that names it).
 */
import { randomBytes } from 'node:crypto';
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export interface PendingFile {
  path: string;
  /** writes the whole content through the handle of the temporary file */
  write: (file: FileHandle) => Promise<void>;
}

/** A fresh name beside `path`: hidden, and never one that exists (opened with `wx`). */
export function temporaryNameFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
}

async function writeTemporary(pending: PendingFile): Promise<string> {
  const tmp = temporaryNameFor(pending.path);
  const file = await open(tmp, 'wx');
  try {
    await pending.write(file);
    await file.sync();
  } catch (e) {
    await file.close().catch(() => undefined);
    await rm(tmp, { force: true });
    throw e;
  }
  await file.close();
  return tmp;
}

/** Writes all files, each through a temporary name, and renames them into place only if every write succeeded. */
export async function replaceFiles(files: readonly PendingFile[]): Promise<void> {
  const written: string[] = [];
  try {
    for (const f of files) written.push(await writeTemporary(f));
  } catch (e) {
    await Promise.all(written.map((tmp) => rm(tmp, { force: true })));
    throw e;
  }
  for (const [i, f] of files.entries()) await rename(written[i]!, f.path);
}

/** `fs.writeFile`, but the destination only ever holds the old content or the complete new one. */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  await replaceFiles([{ path, write: async (file) => void (await file.writeFile(data)) }]);
}
