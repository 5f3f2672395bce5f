/**
 * A picked or dropped folder as `SourceFile`s, whichever way it came: `<input webkitdirectory>` (a FileList with
 * `webkitRelativePath`), a drop (`webkitGetAsEntry` entries), or `showDirectoryPicker` (a directory handle).
 * Files are read lazily, slice by slice, when the import copies them.
 */
import type { SourceFile } from '../core/storage/storage-fs.ts';
import { blobChunks } from './opfs-fs.ts';

export function sourceFile(path: string, file: Blob): SourceFile {
  return { path, size: file.size, chunks: () => blobChunks(file), read: async (offset, length) => new Uint8Array(await file.slice(offset, offset + length).arrayBuffer()), text: () => file.text() };
}

/** Files of `<input type=file webkitdirectory>`: paths start with the picked folder's name. */
export function filesFromInput(files: Iterable<File>): SourceFile[] {
  return Array.from(files, (f) => sourceFile(f.webkitRelativePath || f.name, f));
}

/** The folder handle `showDirectoryPicker()` gives, walked recursively (paths start with its name). */
export async function filesFromDirectoryHandle(dir: FileSystemDirectoryHandle, prefix = dir.name): Promise<SourceFile[]> {
  const out: SourceFile[] = [];
  for await (const handle of (dir as FileSystemDirectoryHandle & { values(): AsyncIterable<FileSystemHandle> }).values()) {
    const path = `${prefix}/${handle.name}`;
    if (handle.kind === 'directory') out.push(...(await filesFromDirectoryHandle(handle as FileSystemDirectoryHandle, path)));
    else out.push(sourceFile(path, await (handle as FileSystemFileHandle).getFile()));
  }
  return out;
}

/**
 * A drop's folders, or null when it holds no folder (plain files: hypernetworks). Entries must be taken
 * synchronously in the drop handler, before the DataTransfer is emptied, hence the split.
 */
export function droppedEntries(data: DataTransfer | null): FileSystemDirectoryEntry[] | null {
  const dirs: FileSystemDirectoryEntry[] = [];
  for (const item of Array.from(data?.items ?? [])) {
    const entry = item.kind === 'file' ? item.webkitGetAsEntry?.() : null;
    if (entry?.isDirectory) dirs.push(entry as FileSystemDirectoryEntry);
  }
  return dirs.length > 0 ? dirs : null;
}

/** The files under a dropped folder entry (paths start with its name). */
export async function filesFromEntry(entry: FileSystemEntry, prefix = entry.name): Promise<SourceFile[]> {
  if (entry.isFile) {
    const file = await new Promise<File>((resolve, reject) => (entry as FileSystemFileEntry).file(resolve, reject));
    return [sourceFile(prefix, file)];
  }
  const reader = (entry as FileSystemDirectoryEntry).createReader();
  const out: SourceFile[] = [];
  // readEntries answers in batches (100 in Chromium) until it returns an empty one
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
    if (batch.length === 0) break;
    for (const child of batch) out.push(...(await filesFromEntry(child, `${prefix}/${child.name}`)));
  }
  return out;
}
