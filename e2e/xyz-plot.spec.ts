/**
 * The X/Y/Z plot on the demo model (WASM): Hypernet str. × Seed gives 4 cells in two batched sweeps (one U-Net
 * call per step for both strengths), A1111's labels in the page and on the grid, a cell that equals a normal
 * generation with the same settings, the grid PNG's `parameters` read by the independent A1111 parser, and an axe
 * scan of the panel; Steps × Sampler at 420 px, whose unbatched cell is the normal generation's PNG byte for byte.
 */
import { readFile } from 'node:fs/promises';
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { decodePng } from '../src/core/formats/png.ts';
import { parseA1111, pngTextChunks } from './support/a1111-parameters.ts';
import { demoHypernetwork } from './support/demo-hypernetworks.ts';
import { fillForm, openStudio, REFERENCE_FORM, resultNames, waitForModel, waitForNewResults } from './support/generation-page.ts';
import { cardFor, dropFiles } from './support/inspector-page.ts';
import { failOnPageErrors, shot } from './support/screens.ts';

failOnPageErrors();

const stackPanel = (page: Page) => page.getByTestId('stack-panel');
const panel = (page: Page) => page.getByTestId('xyz-panel');

async function download(page: Page, click: () => Promise<void>): Promise<{ name: string; bytes: Buffer }> {
  const [d] = await Promise.all([page.waitForEvent('download'), click()]);
  return { name: d.suggestedFilename(), bytes: await readFile(await d.path()) };
}

test('X/Y plot of Hypernet str. × Seed: batched cells equal to single generations, A1111 labels and grid parameters', async ({ page }) => {
  test.setTimeout(600_000);
  const stripes = demoHypernetwork('stripes');
  const steps = 8;
  await openStudio(page, { backend: 'wasm' });
  await waitForModel(page);
  await fillForm(page, { ...REFERENCE_FORM, steps, seed: 7 });
  await dropFiles(page, page.getByTestId('drop-zone'), [stripes]);
  await expect(cardFor(page, stripes.name)).toHaveAttribute('data-status', 'ready');
  await page.getByRole('button', { name: `Add ${stripes.stem} to the stack` }).click();
  const row = page.locator(`[data-testid="stack-entry"][data-name="${stripes.stem}"]`);
  await row.getByLabel(`Exact strength of ${stripes.stem}`).fill('0.5');
  await expect(stackPanel(page)).toHaveAttribute('data-applied', stripes.stem, { timeout: 90_000 });

  // the reference: a normal generation at seed 7, strength 0.5
  const before = await resultNames(page);
  await page.getByRole('button', { name: 'Generate' }).click();
  await waitForNewResults(page, before, 120_000);
  const single = await download(page, () => page.getByTestId('result').first().getByRole('button', { name: /^Download / }).click());

  await panel(page).locator('summary').click();
  await panel(page).getByLabel('X type').selectOption('Hypernet str.');
  await panel(page).getByLabel('X values').fill('0, 0.5');
  await panel(page).getByLabel('Y type').selectOption('Seed');
  await panel(page).getByLabel('Y values').fill('7-8');
  await expect(page.getByTestId('xyz-count')).toHaveText('2 × 2 = 4 images');
  await page.getByRole('button', { name: 'Run X/Y/Z plot' }).click();
  const result = page.getByTestId('xyz-result');
  await expect(result).toBeVisible({ timeout: 300_000 });
  await expect(page.getByTestId('xyz-error')).toHaveCount(0);
  await expect(page.getByTestId('xyz-cell')).toHaveCount(4);
  // two sweeps (one per seed), each one batched U-Net call per step (Euler a) for both strengths
  await expect(result).toHaveAttribute('data-runs', '2');
  await expect(result).toHaveAttribute('data-unet-calls', String(2 * steps));
  await expect(page.getByTestId('xyz-summary')).toContainText('2 batched sweeps');
  test.info().annotations.push({ type: 'xyz', description: await page.getByTestId('xyz-summary').innerText() });
  await expect(page.getByTestId('xyz-col-label')).toHaveText(['Hypernet str.: 0.0', 'Hypernet str.: 0.5']);
  await expect(page.getByTestId('xyz-row-label')).toHaveText(['Seed: 7', 'Seed: 8']);
  // A1111's layout at 4× the 64 px cells: a 192 px left margin (¾ cell), a 40 px label band (font 20 + 2 × 10)
  await expect(page.getByTestId('xyz-grid')).toHaveAttribute('data-width', String(2 * 256 + 192));
  await expect(page.getByTestId('xyz-grid')).toHaveAttribute('data-height', String(2 * 256 + 40));
  await shot(page, 'xyz-plot');

  // the cell at strength 0.5, seed 7 is the normal generation: the same parameters, the same pixels
  await page.getByRole('button', { name: 'Open Hypernet str.: 0.5, Seed: 7' }).click();
  const cell = await download(page, () => page.getByTestId('xyz-open-cell').getByRole('button', { name: /^Download / }).click());
  const singleText = pngTextChunks(single.bytes).parameters!;
  expect(pngTextChunks(cell.bytes).parameters).toBe(singleText);
  expect(parseA1111(singleText).prompt).toContain(`<hypernet:${stripes.stem}:0.5>`);
  const a = decodePng(new Uint8Array(single.bytes));
  const b = decodePng(new Uint8Array(cell.bytes));
  let diff = 0;
  for (let i = 0; i < a.data.length; i++) diff = Math.max(diff, Math.abs(a.data[i]! - b.data[i]!));
  test.info().annotations.push({ type: 'cell vs single (max level difference)', description: String(diff) });
  // a batched U-Net call rounds differently from a single one by at most one level (the engine's sweep contract)
  expect(diff).toBeLessThanOrEqual(1);

  const grid = await download(page, () => page.getByTestId('xyz-download-grid').click());
  expect(grid.name).toMatch(/^xyz_grid-\d{5}-7\.png$/);
  expect([grid.bytes.readUInt32BE(16), grid.bytes.readUInt32BE(20)]).toEqual([2 * 256 + 192, 2 * 256 + 40]);
  const params = parseA1111(pngTextChunks(grid.bytes).parameters!);
  expect(params.fields).toMatchObject({
    Script: 'X/Y/Z plot',
    'X Type': 'Hypernet str.',
    'X Values': '0, 0.5',
    'Y Type': 'Seed',
    'Y Values': '7-8',
    'Fixed Y Values': '7, 8',
    Seed: '7',
    Steps: String(steps),
  });
  // the first cell's recipe: strength 0
  expect(params.prompt).toContain(`<hypernet:${stripes.stem}:0>`);

  const scan = await new AxeBuilder({ page }).include('[data-testid="xyz-panel"]').analyze();
  const bad = scan.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  test.info().annotations.push({ type: 'axe', description: scan.violations.map((v) => `${v.id} (${v.impact}, ${v.nodes.length})`).join('; ') || 'none' });
  expect(bad.map((v) => `${v.id}: ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(' | ')}`)).toEqual([]);
});

test('narrow window (420 px): Steps × Sampler fits without horizontal page scroll, a cell is the single generation byte for byte, bad values are named', async ({ page }) => {
  test.setTimeout(300_000);
  await page.setViewportSize({ width: 420, height: 900 });
  await openStudio(page, { backend: 'wasm' });
  await waitForModel(page);
  await fillForm(page, { ...REFERENCE_FORM, sampler: 'Euler', steps: 2 });
  const before = await resultNames(page);
  await page.getByRole('button', { name: 'Generate' }).click();
  await waitForNewResults(page, before, 120_000);
  const single = await download(page, () => page.getByTestId('result').first().getByRole('button', { name: /^Download / }).click());
  await panel(page).locator('summary').click();
  await panel(page).getByLabel('X type').selectOption('Steps');
  await panel(page).getByLabel('X values').fill('1-100');
  await expect(page.getByTestId('xyz-count')).toHaveText('X (Steps): at most 32 values per axis (this gives 33 or more).');
  await expect(page.getByRole('button', { name: 'Run X/Y/Z plot' })).toBeDisabled();
  await panel(page).getByLabel('X values').fill('1-2');
  await panel(page).getByLabel('Y type').selectOption('Sampler');
  await panel(page).getByLabel('Y values').fill('');
  await panel(page).getByLabel('Add a sampler').selectOption('Euler');
  await panel(page).getByLabel('Add a sampler').selectOption('DDIM');
  await expect(panel(page).getByLabel('Y values')).toHaveValue('Euler, DDIM');
  await page.getByRole('button', { name: 'Run X/Y/Z plot' }).click();
  await expect(page.getByTestId('xyz-result')).toBeVisible({ timeout: 240_000 });
  await expect(page.getByTestId('xyz-row-label')).toHaveText(['Euler', 'DDIM']);
  // a cell run on its own (no sweep) is the normal generation with its settings, byte for byte: the whole PNG
  await page.getByRole('button', { name: 'Open Steps: 2, Euler' }).click();
  const cell = await download(page, () => page.getByTestId('xyz-open-cell').getByRole('button', { name: /^Download / }).click());
  expect(cell.bytes.equals(single.bytes), 'the cell PNG equals the single generation PNG').toBe(true);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow).toBeLessThanOrEqual(0);
  await shot(page, 'xyz-plot-narrow');
});
