/**
 * Issue 14's sampling options on WASM with the demo model: a Schedule type apart from the sampler, Clip skip,
 * ENSD and a variation seed set in the form; the downloaded PNG's `parameters` (read by an independent
 * parser) carry them as A1111 1.10 writes them, and dropping the PNG back (PNG Info) restores every one.
 */
import { readFile } from 'node:fs/promises';
import { expect, test, type Page } from '@playwright/test';
import { parseA1111, pngTextChunks } from './support/a1111-parameters.ts';
import { fillForm, openStudio, resultNames, sendPngInfo, waitForModel, waitForNewResults } from './support/generation-page.ts';
import { dropFiles } from './support/inspector-page.ts';
import { failOnPageErrors } from './support/screens.ts';

failOnPageErrors();

async function download(page: Page): Promise<{ name: string; bytes: Buffer }> {
  const [d] = await Promise.all([page.waitForEvent('download'), page.getByTestId('result').first().getByRole('button', { name: /^Download / }).click()]);
  return { name: d.suggestedFilename(), bytes: await readFile(await d.path()) };
}

test('schedule type, clip skip, ENSD and a variation seed reach the PNG and come back through PNG Info', async ({ page }) => {
  test.setTimeout(420_000);
  await openStudio(page, { backend: 'wasm' });
  await waitForModel(page);
  const form = page.getByRole('form', { name: 'Generation settings' });
  await fillForm(page, { prompt: 'a small red circle on the left, white background', negativePrompt: '', sampler: 'Euler a', steps: 4, cfgScale: 7, seed: 321, width: 64, height: 64, batchCount: 1 });
  await form.getByLabel('Schedule type').selectOption('Exponential');
  await form.getByLabel('Clip skip').fill('2');
  await form.getByText('Extra', { exact: true }).click();
  await form.getByLabel('Variation seed').fill('777');
  await form.getByLabel('Variation strength').fill('0.35');
  await form.getByText('Sampler settings', { exact: true }).click();
  await form.getByLabel('Eta noise seed delta (ENSD)').fill('31337');

  const before = await resultNames(page);
  await page.getByRole('button', { name: 'Generate' }).click();
  await waitForNewResults(page, before, 90_000);
  const png = await download(page);
  const params = parseA1111(pngTextChunks(png.bytes).parameters!);
  expect(Object.keys(params.fields).slice(0, 6)).toEqual(['Steps', 'Sampler', 'Schedule type', 'CFG scale', 'Seed', 'Size']);
  expect(params.fields).toMatchObject({
    Sampler: 'Euler a',
    'Schedule type': 'Exponential',
    Seed: '321',
    'Variation seed': '777',
    'Variation seed strength': '0.35',
    'Clip skip': '2',
    ENSD: '31337',
  });

  // change them all, then drop the PNG: PNG Info puts every one back and lists nothing as unapplied
  await form.getByLabel('Schedule type').selectOption('Karras');
  await form.getByLabel('Clip skip').fill('1');
  await form.getByLabel('Variation seed').fill('5');
  await form.getByLabel('Variation strength').fill('0');
  await form.getByLabel('Eta noise seed delta (ENSD)').fill('0');
  await dropFiles(page, page.getByTestId('drop-zone'), [{ name: png.name, bytes: png.bytes }]);
  await sendPngInfo(page);
  await expect(page.getByTestId('png-info-report')).toHaveAttribute('data-ok', 'true');
  await expect(form.getByLabel('Schedule type')).toHaveValue('Exponential');
  await expect(form.getByLabel('Clip skip')).toHaveValue('2');
  await expect(form.getByLabel('Variation seed')).toHaveValue('777');
  await expect(form.getByLabel('Variation strength')).toHaveValue('0.35');
  await expect(form.getByLabel('Eta noise seed delta (ENSD)')).toHaveValue('31337');
  await expect(page.getByTestId('png-info-unapplied')).toHaveCount(0);

  // the same settings make the same image again
  const again = await resultNames(page);
  await page.getByRole('button', { name: 'Generate' }).click();
  await waitForNewResults(page, again, 90_000);
  const second = await download(page);
  expect(pngTextChunks(second.bytes).parameters).toBe(pngTextChunks(png.bytes).parameters);
  expect(second.bytes.equals(png.bytes)).toBe(true);
});
