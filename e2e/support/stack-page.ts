/** Page helpers for the hypernetwork stack: drop files, wait for the engine's stack, generate and compare. */
import { expect, test, type Page } from '@playwright/test';
import type { DemoHypernetwork } from './demo-hypernetworks.ts';
import { downloadResult, resultNames, waitForNewResults, type DownloadedImage } from './generation-page.ts';
import { cardFor, dropFiles } from './inspector-page.ts';
import { compareRgba } from './node-reference.ts';

export const stackPanel = (page: Page) => page.getByTestId('stack-panel');
export const stackRow = (page: Page, stem: string) => page.locator(`[data-testid="stack-entry"][data-name="${stem}"]`);

/** Drops files on the drop zone, as a user does, and waits for their cards. */
export async function dropHypernetworks(page: Page, files: DemoHypernetwork[]): Promise<void> {
  await dropFiles(page, page.getByTestId('drop-zone'), files);
  for (const f of files) await expect(cardFor(page, f.name)).toHaveAttribute('data-status', 'ready');
}

/** Waits until the engine holds exactly `stems` (in order) and nothing is compiling or updating. */
export async function waitForStack(page: Page, stems: string[], timeout = 60_000): Promise<number> {
  // a rebuild creates the sessions and runs the U-Net once to warm it up: slow on the software WebGPU adapter
  await expect(stackPanel(page)).toHaveAttribute('data-applied', stems.join(','), { timeout });
  await expect(stackPanel(page)).toHaveAttribute('data-sync', 'idle');
  await expect(page.getByTestId('stack-error')).toHaveCount(0);
  return Number(await stackPanel(page).getAttribute('data-session-creations'));
}

export async function generateImage(page: Page, timeout = 300_000): Promise<DownloadedImage> {
  const before = await resultNames(page);
  await page.getByTestId('generate').click();
  await waitForNewResults(page, before, timeout);
  return downloadResult(page);
}

export function expectSame(a: DownloadedImage, b: DownloadedImage, what: string): void {
  expect(compareRgba(a.rgba, b.rgba), what).toMatchObject({ max: 0 });
}

/** Clearly different: not a rounding wobble (a few levels on a few pixels) but a changed image. */
export function expectDifferent(a: DownloadedImage, b: DownloadedImage, what: string): void {
  const diff = compareRgba(a.rgba, b.rgba);
  test.info().annotations.push({ type: what, description: JSON.stringify(diff) });
  expect(diff.max, what).toBeGreaterThan(4);
  expect(diff.changed, what).toBeGreaterThan(0.05);
}
