/** Turning whatever the user gave (a drop, the folder picker, the input) into a model import. */
import { filesFromDirectoryHandle, filesFromEntry, filesFromInput } from '../storage/folder-files.ts';
import { importModelFolder, openModelsDialog } from '../state/actions/storage.ts';

type DirectoryPicker = (options?: { id?: string; mode?: 'read' }) => Promise<FileSystemDirectoryHandle>;

/** `showDirectoryPicker` (File System Access API) when the browser has it; else the caller clicks the input. */
export function directoryPicker(): DirectoryPicker | null {
  const picker = (window as unknown as { showDirectoryPicker?: DirectoryPicker }).showDirectoryPicker;
  return typeof picker === 'function' ? picker.bind(window) : null;
}

export async function importFromPicker(picker: DirectoryPicker): Promise<void> {
  let dir: FileSystemDirectoryHandle;
  try {
    dir = await picker({ id: 'model-folder', mode: 'read' });
  } catch {
    return; // the user closed the picker
  }
  await importModelFolder(await filesFromDirectoryHandle(dir), dir.name);
}

export function importFromInput(files: FileList | null): Promise<void> {
  return importModelFolder(filesFromInput(Array.from(files ?? [])));
}

/** A dropped folder (the first, if several): the Models dialog opens to show the import. */
export async function importDroppedFolder(entries: FileSystemDirectoryEntry[]): Promise<void> {
  const entry = entries[0];
  if (!entry) return;
  openModelsDialog();
  await importModelFolder(await filesFromEntry(entry), entry.name);
}
