/** Per-test checks and screenshots shared by the specs: no page or console error, named screenshots in the report. */
import { mkdirSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { watchPage, type PageWatch } from './generation-page.ts';

export const SHOTS = 'test-results/screenshots';

/** Fails every test of the file whose page logs an error (or throws); returns the current test's watch. */
export function failOnPageErrors(): () => PageWatch {
  let watch: PageWatch;
  test.beforeEach(async ({ page }) => {
    watch = await watchPage(page);
    mkdirSync(SHOTS, { recursive: true });
  });
  test.afterEach(() => {
    expect(watch.errors, 'no page or console errors').toEqual([]);
  });
  return () => watch;
}

/** A screenshot saved under test-results/screenshots and attached to the report. */
export async function shot(page: Page, name: string, fullPage = true): Promise<void> {
  const path = `${SHOTS}/${name}.png`;
  await page.screenshot({ path, fullPage });
  await test.info().attach(name, { path, contentType: 'image/png' });
}
