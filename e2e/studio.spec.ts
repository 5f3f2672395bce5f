/**
 * Using the studio on WASM with the demo model and demo hypernetworks: live mode (a slider release
 * re-generates, no session rebuild, the previous image stays until the new one is ready), a 4-strength sweep
 * in one batched U-Net run with a labelled strip and a grid PNG, A1111 `parameters` read by an independent
 * parser and restored by dropping the PNG (PNG Info), the gallery, keyboard shortcuts, an axe-core scan and
 * the narrow layout. Screenshots go to test-results/screenshots and are attached to the report.
 */
import { readFile } from 'node:fs/promises';
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { decodePng, encodePng } from '../src/core/formats/png.ts';
import { parseA1111, pngTextChunks } from './support/a1111-parameters.ts';
import { demoHypernetwork, type DemoHypernetwork } from './support/demo-hypernetworks.ts';
import { fillForm, openStudio, output, REFERENCE_FORM, resultNames, sendPngInfo, waitForModel, waitForNewResults } from './support/generation-page.ts';
import { failOnPageErrors, shot } from './support/screens.ts';
import { cardFor, dropFiles } from './support/inspector-page.ts';
import { modelsDialog, openModels } from './support/models-page.ts';

failOnPageErrors();

const stackPanel = (page: Page) => page.getByTestId('stack-panel');
const stackRow = (page: Page, stem: string) => page.locator(`[data-testid="stack-entry"][data-name="${stem}"]`);

async function addToStack(page: Page, hn: DemoHypernetwork, strength: string): Promise<number> {
  await dropFiles(page, page.getByTestId('drop-zone'), [hn]);
  await expect(cardFor(page, hn.name)).toHaveAttribute('data-status', 'ready');
  await page.getByRole('button', { name: `Add ${hn.stem} to the stack` }).click();
  await stackRow(page, hn.stem).getByLabel(`Exact strength of ${hn.stem}`).fill(strength);
  await expect(stackPanel(page)).toHaveAttribute('data-applied', hn.stem, { timeout: 90_000 });
  await expect(stackPanel(page)).toHaveAttribute('data-sync', 'idle');
  return Number(await stackPanel(page).getAttribute('data-session-creations'));
}

async function sessions(page: Page): Promise<number> {
  await expect(stackPanel(page)).toHaveAttribute('data-sync', 'idle');
  return Number(await stackPanel(page).getAttribute('data-session-creations'));
}

async function download(page: Page, click: () => Promise<void>): Promise<{ name: string; bytes: Buffer }> {
  const [d] = await Promise.all([page.waitForEvent('download'), click()]);
  return { name: d.suggestedFilename(), bytes: await readFile(await d.path()) };
}

// ---------- tests ----------

test.describe('studio on WASM', () => {
  test.beforeEach(async ({ page }) => {
    await openStudio(page, { backend: 'wasm' });
    await waitForModel(page);
  });

  test('live mode: a slider release re-generates with the same seed, no session rebuild, the old image stays until the new one', async ({ page }) => {
    test.setTimeout(420_000);
    const stripes = demoHypernetwork('stripes');
    await fillForm(page, { ...REFERENCE_FORM, steps: 10 });
    const built = await addToStack(page, stripes, '0');
    let before = await resultNames(page);
    await page.getByRole('button', { name: 'Generate' }).click();
    before = await waitForNewResults(page, before, 60_000);

    await page.getByRole('switch', { name: 'Live mode' }).check();
    // record whether the result area ever empties while the live run works
    await page.evaluate(() => {
      const w = window as unknown as { emptied: boolean; observer: MutationObserver };
      w.emptied = false;
      w.observer = new MutationObserver(() => {
        if (document.querySelectorAll('[data-testid="result"]').length === 0) w.emptied = true;
      });
      w.observer.observe(document.body, { childList: true, subtree: true });
    });
    const slider = stackRow(page, stripes.stem).getByRole('slider', { name: `Strength of ${stripes.stem}` });
    await slider.fill('1'); // input + change: the release
    const after = await waitForNewResults(page, before, 60_000);
    expect(after[0]).toMatch(/^\d{5}-42\.png$/);
    expect(await page.evaluate(() => (window as unknown as { emptied: boolean }).emptied), 'the previous image stayed until the new one was ready').toBe(false);
    expect(await sessions(page), 'a strength change creates no session').toBe(built);
    await expect(page.getByTestId('result-infotext')).toContainText(`<hypernet:${stripes.stem}:1>`);
    await shot(page, 'studio-live');

    // a release while a live run is in flight cancels it; only the latest strength lands
    await fillForm(page, { steps: 80 });
    await slider.fill('0.5');
    await expect(output(page)).toHaveAttribute('data-status', 'running');
    await expect(output(page)).toHaveAttribute('data-live-run', 'true');
    await expect(page.getByTestId('result')).toHaveCount(1); // kept on screen during the run
    const mid = await resultNames(page);
    await slider.fill('0.75');
    const last = await waitForNewResults(page, mid, 60_000);
    await expect(page.getByTestId('result-infotext')).toContainText(`<hypernet:${stripes.stem}:0.75>`);
    await expect(page.getByTestId('generation-error')).toHaveCount(0);
    expect(await sessions(page)).toBe(built);
    // the gallery holds every image of the session (the cancelled run made none)
    await expect(page.getByTestId('gallery-item')).toHaveCount(3);
    expect(last).toHaveLength(1);
  });

  test('a 4-strength sweep runs as one batched U-Net call per step, shows a labelled strip and downloads a grid PNG', async ({ page }) => {
    test.setTimeout(420_000);
    const stripes = demoHypernetwork('stripes');
    const steps = 12;
    await fillForm(page, { ...REFERENCE_FORM, steps });
    const built = await addToStack(page, stripes, '1');
    await page.getByLabel('Strengths').fill('0, 0.25, 0.5, 1');
    await page.getByRole('button', { name: 'Run sweep' }).click();
    const strip = page.getByTestId('sweep-results');
    await expect(strip).toBeVisible({ timeout: 180_000 });
    await expect(strip).toHaveAttribute('data-sweep-mode', 'batched');
    // Euler a calls the U-Net once per step: one batched run for all four images
    await expect(strip).toHaveAttribute('data-unet-calls', String(steps));
    await expect(page.getByTestId('sweep-label')).toHaveText(['0', '0.25', '0.5', '1']);
    await expect(page.getByTestId('sweep-cell')).toHaveCount(4);
    await expect(page.getByTestId('sweep-summary')).toContainText('one batched run');
    expect(await sessions(page), 'a sweep creates no session').toBe(built);
    const summary = await page.getByTestId('sweep-summary').innerText();
    test.info().annotations.push({ type: 'sweep', description: summary });
    await shot(page, 'studio-sweep');

    const grid = await download(page, () => page.getByTestId('sweep-download-grid').click());
    expect(grid.name).toMatch(/^grid-\d{5}-42\.png$/);
    expect(grid.bytes.readUInt32BE(16), 'grid width: 4 cells of 128 px and 3 gaps').toBe(4 * 128 + 3 * 4);
    const params = parseA1111(pngTextChunks(grid.bytes).parameters!);
    expect(params.fields).toMatchObject({ Script: 'X/Y/Z plot', 'X Type': 'Hypernet str.', 'X Values': '0, 0.25, 0.5, 1', 'Sweep hypernet': stripes.stem, Seed: '42', Steps: String(steps) });
    expect(params.prompt).toContain(`<hypernet:${stripes.stem}:0>`);
    // each cell's own PNG carries its own strength
    const cell = await download(page, () => page.getByRole('button', { name: 'Download the image at strength 0.5' }).click());
    expect(parseA1111(pngTextChunks(cell.bytes).parameters!).prompt).toContain(`<hypernet:${stripes.stem}:0.5>`);
    await expect(page.getByTestId('gallery-item')).toHaveCount(4);
  });

  test("a downloaded PNG's parameters parse as A1111 writes them and round-trip through PNG Info", async ({ page }) => {
    test.setTimeout(420_000);
    const stripes = demoHypernetwork('stripes');
    const form = { prompt: 'a big blue square, white background <hypernet:ghost:0.5>', negativePrompt: 'blurry, red', sampler: 'DPM++ 2M', steps: 6, cfgScale: 6.5, seed: 1234, width: 64, height: 48, batchCount: 1 };
    await fillForm(page, form);
    await addToStack(page, stripes, '0.75');
    await expect(page.getByLabel('Prompt', { exact: true })).toHaveValue(`${form.prompt} <hypernet:${stripes.stem}:0.75>`);
    const before = await resultNames(page);
    await page.getByRole('button', { name: 'Generate' }).click();
    await waitForNewResults(page, before, 60_000);
    const png = await download(page, () => page.getByTestId('result').first().getByRole('button', { name: /^Download / }).click());
    const params = parseA1111(pngTextChunks(png.bytes).parameters!);
    // the exact recipe: the stack applied; "ghost" is not loaded, so it changed nothing and is not recorded
    expect(params.prompt).toBe(`a big blue square, white background <hypernet:${stripes.stem}:0.75>`);
    expect(params.negative).toBe(form.negativePrompt);
    expect(Object.keys(params.fields).slice(0, 6)).toEqual(['Steps', 'Sampler', 'Schedule type', 'CFG scale', 'Seed', 'Size']);
    expect(params.fields).toMatchObject({ Steps: '6', Sampler: 'DPM++ 2M', 'Schedule type': 'Karras', 'CFG scale': '6.5', Seed: '1234', Size: '64x48', Model: 'sd-shapes-demo' });
    expect(params.fields['Model hash']).toMatch(/^[0-9a-f]{10}$/);

    // change everything, then drop the PNG: the form and the stack come back, the missing network is named
    await fillForm(page, { prompt: 'something else', negativePrompt: '', sampler: 'Euler', steps: 20, cfgScale: 7, seed: 1, width: 64, height: 64 });
    await stackRow(page, stripes.stem).getByLabel(`Exact strength of ${stripes.stem}`).fill('0.1');
    await dropFiles(page, page.getByTestId('drop-zone'), [{ name: png.name, bytes: png.bytes }]);
    // A1111's PNG Info tab: the text and what it sets are shown; nothing changes until it is sent
    const preview = page.getByTestId('png-info-preview');
    await expect(preview.getByTestId('png-info-text')).toHaveText(pngTextChunks(png.bytes).parameters!);
    await expect(preview).toContainText(`Stack: ${stripes.stem} 0.75.`);
    await expect(page.getByRole('form', { name: 'Generation settings' }).getByLabel('Steps')).toHaveValue('20');
    await shot(page, 'studio-png-info-preview');
    await sendPngInfo(page);
    const report = page.getByTestId('png-info-report');
    await expect(report).toHaveAttribute('data-ok', 'true');
    await expect(report).toHaveAttribute('data-missing', '');
    const f = page.getByRole('form', { name: 'Generation settings' });
    await expect(f.getByLabel('Prompt', { exact: true })).toHaveValue(params.prompt);
    await expect(f.getByLabel('Negative prompt')).toHaveValue(form.negativePrompt);
    await expect(f.getByLabel('Sampler')).toHaveValue(form.sampler);
    // "Karras" is DPM++ 2M's own schedule: A1111 1.10's "Send to txt2img" shows it as Automatic
    await expect(f.getByLabel('Schedule type')).toHaveValue('Automatic');
    await expect(f.getByLabel('Clip skip')).toHaveValue('1');
    await expect(f.getByLabel('Steps')).toHaveValue('6');
    await expect(f.getByLabel('CFG scale')).toHaveValue('6.5');
    await expect(f.getByLabel('Seed', { exact: true })).toHaveValue('1234');
    await expect(f.getByLabel('Width')).toHaveValue('64');
    await expect(f.getByLabel('Height')).toHaveValue('48');
    await expect(stackRow(page, stripes.stem)).toHaveAttribute('data-strength', '0.75');
    await expect(stackRow(page, stripes.stem)).toHaveAttribute('data-enabled', 'true');
    await shot(page, 'studio-png-info');

    // an A1111 PNG naming a hypernetwork this browser does not have: it is named, the rest applies
    const a1111 = Buffer.from(encodePng(decodePng(png.bytes), { parameters: pngTextChunks(png.bytes).parameters!.replace('<hypernet:', '<hypernet:ghost:0.5> <hypernet:') }));
    await dropFiles(page, page.getByTestId('drop-zone'), [{ name: 'from-a1111.png', bytes: a1111 }]);
    await expect(page.getByTestId('png-info-preview')).toContainText('ghost 0.5 (not loaded)');
    await sendPngInfo(page);
    await expect(report).toHaveAttribute('data-missing', 'ghost');
    await expect(page.getByTestId('png-info-missing')).toContainText('Not loaded: ghost.pt');
  });

  test('keyboard: Ctrl+Enter generates, Escape cancels; the gallery opens, compares and downloads', async ({ page }) => {
    test.setTimeout(420_000);
    await fillForm(page, { ...REFERENCE_FORM, steps: 4 });
    await page.getByLabel('Prompt', { exact: true }).focus();
    await page.keyboard.press('Control+Enter');
    const names = await waitForNewResults(page, [], 60_000);
    await fillForm(page, { steps: 150, seed: 43 });
    await page.getByLabel('Prompt', { exact: true }).focus();
    await page.keyboard.press('Control+Enter');
    await expect(output(page)).toHaveAttribute('data-status', 'running');
    await page.keyboard.press('Escape');
    await expect(output(page)).toHaveAttribute('data-status', 'idle', { timeout: 30_000 });
    await expect(page.getByTestId('generation-error')).toHaveAttribute('data-code', 'cancelled');
    await fillForm(page, { steps: 4, seed: 44 });
    await page.getByLabel('Prompt', { exact: true }).focus();
    await page.keyboard.press('Control+Enter');
    await waitForNewResults(page, names, 60_000);

    const items = page.getByTestId('gallery-item');
    await expect(items).toHaveCount(2);
    await page.getByRole('button', { name: /^View 00001-42\.png/ }).click();
    const dialog = page.getByTestId('full-view');
    await expect(dialog).toBeVisible();
    const full = await download(page, () => dialog.getByTestId('full-view-download').click());
    expect(full.name).toBe('00001-42.png');
    expect(parseA1111(pngTextChunks(full.bytes).parameters!).fields.Seed).toBe('42');
    await page.keyboard.press('Escape');
    await expect(dialog).toHaveCount(0);
    await page.getByRole('checkbox', { name: /^Compare 00001-42/ }).check();
    await page.getByRole('checkbox', { name: /^Compare 00002-44/ }).check();
    await expect(page.getByTestId('compare')).toBeVisible();
    await page.getByLabel('Split position').fill('30');
    await page.getByTestId('gallery').scrollIntoViewIfNeeded();
    await shot(page, 'studio-gallery-compare');
  });

  test('axe: the main screen has no serious or critical accessibility violations; every control is labelled', async ({ page }) => {
    test.setTimeout(600_000);
    // the form first: its prompt replaces the prompt's tags, which are the stack
    await fillForm(page, { ...REFERENCE_FORM, steps: 4 });
    await addToStack(page, demoHypernetwork('stripes'), '1');
    await page.getByRole('button', { name: 'Generate' }).click();
    await waitForNewResults(page, [], 60_000);
    await shot(page, 'studio-main-1280');
    const results = await new AxeBuilder({ page }).analyze();
    const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    test.info().annotations.push({ type: 'axe', description: results.violations.map((v) => `${v.id} (${v.impact}, ${v.nodes.length})`).join('; ') || 'none' });
    expect(bad.map((v) => `${v.id}: ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(' | ')}`)).toEqual([]);
    // every form control has an accessible name
    const unnamed = await page.evaluate(() =>
      [...document.querySelectorAll('input, select, textarea, button')]
        .filter((el) => !(el as HTMLElement).closest('[hidden]'))
        .filter((el) => {
          const e = el as HTMLInputElement;
          const labelled = e.labels && e.labels.length > 0;
          return !labelled && !e.getAttribute('aria-label') && !e.getAttribute('aria-labelledby') && !(e.tagName === 'BUTTON' && e.textContent?.trim());
        })
        .map((el) => el.outerHTML.slice(0, 120)),
    );
    expect(unnamed).toEqual([]);
  });

  test('narrow window (420 px): no horizontal overflow with a sweep and the gallery on screen', async ({ page }) => {
    test.setTimeout(600_000);
    await page.setViewportSize({ width: 420, height: 900 });
    await fillForm(page, { ...REFERENCE_FORM, steps: 4 });
    await addToStack(page, demoHypernetwork('stripes'), '1');
    await page.getByLabel('Strengths').fill('0, 0.5, 1, 1.5');
    await page.getByRole('button', { name: 'Run sweep' }).click();
    await expect(page.getByTestId('sweep-results')).toBeVisible({ timeout: 180_000 });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow, 'no horizontal scrolling').toBeLessThanOrEqual(0);
    await shot(page, 'studio-narrow-420');
  });

  test('the load report says why WASM, the plan against its 4 GiB heap and each load phase; the fp16 import default is explained', async ({ page }) => {
    const report = page.getByTestId('load-report');
    await expect(report).not.toHaveAttribute('open'); // collapsed until asked for
    await report.locator('summary').click();
    await expect(page.getByTestId('load-report-backend')).toContainText('WASM (CPU) — WASM was chosen in the settings.');
    await expect(page.getByTestId('load-report-plan')).toContainText(/Limit\s*[\d.]+ MiB estimated of 4\.00 GiB/);
    await expect(page.getByTestId('load-report-conversions')).toContainText('No conversions');
    const phases = page.getByTestId('load-report-phases').locator('tbody tr');
    await expect(phases.first()).toHaveAttribute('data-phase', 'open');
    const warmup = page.locator('[data-testid="load-report-phases"] tr[data-phase="warm-up"]');
    await expect(warmup.locator('td').first()).toHaveText(/^\d+ ms$/);
    // onnxruntime's wasm heap is measured; Chromium's workers have no performance.memory, so the JS heap shows
    // as unknown there (a dash), never as a made-up number; WASM has no GPU memory
    await expect(warmup.locator('td').nth(1)).toHaveText(/^(—|[\d.]+ (KiB|MiB|GiB))$/);
    await expect(warmup.locator('td').nth(2)).toHaveText(/^[\d.]+ (MiB|GiB)$/);
    await expect(warmup.locator('td').nth(3)).toHaveText('—');
    await shot(page, 'studio-load-report');

    // whatever this machine's adapter offers, the checkbox follows the stated default
    await openModels(page);
    const option = modelsDialog(page).getByTestId('import-fp16');
    await expect(option).toHaveAttribute('data-probed', 'true');
    const recommended = (await option.getAttribute('data-recommended')) === 'true';
    await expect(option.getByRole('checkbox', { name: 'Convert to fp16' })).toBeChecked({ checked: recommended });
    await expect(option.getByTestId('import-fp16-note')).toContainText(recommended ? 'On by default' : 'Off by default');
  });
});
