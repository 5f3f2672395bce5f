/** Page helpers for the Models dialog: import a folder through `<input webkitdirectory>`, read OPFS. */
import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, type Page } from '@playwright/test';
import { DEMO_MODEL_DIR } from './node-reference.ts';

/** A copy of the demo model folder under a temp dir, as a user's disk would hold it. */
export function demoModelCopy(name: string, skip: (rel: string) => boolean = () => false): string {
  const dir = path.join(mkdtempSync(path.join(tmpdir(), 'hn-model-')), name);
  cpSync(DEMO_MODEL_DIR, dir, { recursive: true, filter: (src) => !skip(path.relative(DEMO_MODEL_DIR, src)) });
  return dir;
}

export const modelsDialog = (page: Page) => page.getByTestId('models-dialog');
export const installedModel = (page: Page, name: string) => page.locator(`[data-testid="installed-model"][data-model-name="${name}"]`);

export async function openModels(page: Page): Promise<void> {
  await page.getByTestId('open-models').click();
  await expect(modelsDialog(page)).toBeVisible();
}

/** Picks `dir` in the folder input (Playwright sends it as a webkitdirectory selection). */
export async function importFolder(page: Page, dir: string): Promise<void> {
  await page.getByTestId('model-folder-input').setInputFiles(dir);
}

/** Folder names under `models/` in the page's OPFS. */
export function opfsModelDirs(page: Page): Promise<string[]> {
  return page.evaluate(async () => {
    const root = await navigator.storage.getDirectory();
    let models: FileSystemDirectoryHandle;
    try {
      models = await root.getDirectoryHandle('models');
    } catch {
      return [];
    }
    const names: string[] = [];
    for await (const handle of (models as FileSystemDirectoryHandle & { values(): AsyncIterable<FileSystemHandle> }).values()) names.push(handle.name);
    return names.sort();
  });
}

/** Flips one byte in the middle of an installed file: same size, different content (a silent disk error). */
export function corruptInstalledFile(page: Page, id: string, file: string): Promise<number> {
  return page.evaluate(
    async ({ id, file }) => {
      let dir = await (await navigator.storage.getDirectory()).getDirectoryHandle('models');
      const parts = `${id}/${file}`.split('/');
      const name = parts.pop()!;
      for (const p of parts) dir = await dir.getDirectoryHandle(p);
      const handle = await dir.getFileHandle(name);
      const bytes = new Uint8Array(await (await handle.getFile()).arrayBuffer());
      const at = bytes.length >> 1;
      bytes[at] = bytes[at]! ^ 0xff;
      const writable = await handle.createWritable();
      await writable.write(bytes);
      await writable.close();
      return (await handle.getFile()).size;
    },
    { id, file },
  );
}
