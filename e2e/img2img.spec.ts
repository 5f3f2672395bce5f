/**
 * Issue 14's img2img and hires fix on WASM with the demo model (64×64, size step 16): a result sent to img2img
 * and denoised at 0.5 with a hypernetwork at strengths 0 and 1 (0 is the plain img2img image, byte for byte);
 * hires fix 64 → 128 with a latent upscaler, its `parameters` read by an independent parser, and PNG Info
 * bringing it back to the same bytes; an image pasted and dropped into img2img, refusals keeping the image
 * the user had, an axe scan and the narrow layout with the img2img controls on screen.
 */
import { readFile } from 'node:fs/promises';
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { encodePng } from '../src/core/formats/png.ts';
import { parseA1111, pngTextChunks } from './support/a1111-parameters.ts';
import { demoHypernetwork } from './support/demo-hypernetworks.ts';
import { fillForm, openStudio, REFERENCE_FORM, resultNames, sendPngInfo, waitForModel, waitForNewResults } from './support/generation-page.ts';
import { dropFiles } from './support/inspector-page.ts';
import { failOnPageErrors, shot } from './support/screens.ts';
import { dropHypernetworks, expectDifferent, expectSame, generateImage as generate, stackPanel, stackRow, waitForStack } from './support/stack-page.ts';

failOnPageErrors();

const form = (page: Page) => page.getByRole('form', { name: 'Generation settings' });
const tab = (page: Page, name: 'txt2img' | 'img2img') => page.getByRole('tab', { name });

/** The first result's PNG as the browser saved it. */
async function downloadBytes(page: Page): Promise<{ name: string; bytes: Buffer }> {
  const [d] = await Promise.all([page.waitForEvent('download'), page.getByTestId('result').first().getByRole('button', { name: /^Download / }).click()]);
  return { name: d.suggestedFilename(), bytes: await readFile(await d.path()) };
}

/** A PNG of `width` × `height` in two colours (left and right halves), made here, not by the app. */
function twoTonePng(width: number, height: number): Buffer {
  const data = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < width * height; i++) data.set(i % width < width / 2 ? [220, 40, 40, 255] : [250, 250, 250, 255], i * 4);
  return Buffer.from(encodePng({ width, height, data }));
}

/** A paste of `bytes` as an image file, as the browser fires it for Ctrl+V of a copied image. */
async function pasteImage(page: Page, name: string, bytes: Buffer): Promise<void> {
  await page.evaluate(
    ({ name, base64 }) => {
      const binary = atob(base64);
      const data = new Uint8Array(binary.length);
      for (let i = 0; i < binary.length; i++) data[i] = binary.charCodeAt(i);
      const dt = new DataTransfer();
      dt.items.add(new File([data], name, { type: 'image/png' }));
      document.body.dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }));
    },
    { name, base64: bytes.toString('base64') },
  );
}

test.describe('img2img and hires fix on WASM', () => {
  test.beforeEach(async ({ page }) => {
    await openStudio(page, { backend: 'wasm' });
    await waitForModel(page);
  });

  test('a result sent to img2img, denoised at 0.5 with a hypernetwork at strength 0 (= no hypernetwork) and 1', async ({ page }) => {
    test.setTimeout(600_000);
    await fillForm(page, { ...REFERENCE_FORM, steps: 6 });
    const source = await generate(page);
    await page.getByTestId('result').first().getByTestId('send-to-img2img').click();
    await expect(tab(page, 'img2img')).toHaveAttribute('aria-selected', 'true');
    await expect(page.getByTestId('init-size')).toHaveText('64×64');
    await form(page).getByLabel('Denoising strength value').fill('0.5');

    const base = await generate(page);
    const baseParams = parseA1111(base.parameters!);
    expect(baseParams.fields['Denoising strength']).toBe('0.5');
    expect(baseParams.fields).toMatchObject({ Seed: '42', Size: '64x64', Steps: '6' });
    expect(baseParams.fields['Hires upscale']).toBeUndefined();
    expectDifferent(source, base, 'img2img at 0.5 changes the image it started from');

    const hn = demoHypernetwork('stripes');
    await dropHypernetworks(page, [hn]);
    await page.getByRole('button', { name: `Add ${hn.stem} to the stack` }).click();
    await stackRow(page, hn.stem).getByLabel(`Exact strength of ${hn.stem}`).fill('0');
    await waitForStack(page, [hn.stem], 120_000);
    const atZero = await generate(page);
    expectSame(base, atZero, 'strength 0 is the plain img2img image');

    await stackRow(page, hn.stem).getByLabel(`Exact strength of ${hn.stem}`).fill('1');
    await expect(stackPanel(page)).toHaveAttribute('data-sync', 'idle');
    const atOne = await generate(page);
    expectDifferent(atZero, atOne, 'strength 1 changes the img2img image');
    const params = parseA1111(atOne.parameters!);
    expect(params.prompt).toContain(`<hypernet:${hn.stem}:1>`);
    expect(params.fields['Denoising strength']).toBe('0.5');
    await shot(page, 'img2img-hypernetwork');
  });

  test('hires fix 64 → 128 with a latent upscaler: the size, the infotext, and PNG Info making the same bytes again', async ({ page }) => {
    test.setTimeout(600_000);
    await fillForm(page, { ...REFERENCE_FORM, steps: 5, seed: 7 });
    const hires = page.getByTestId('hires-fix');
    await hires.locator('summary').click();
    await hires.getByLabel('Upscale with a second pass (hires fix)').check();
    await hires.getByLabel('Upscaler').selectOption('Latent (bicubic antialiased)');
    await hires.getByLabel('Hires steps').fill('3');
    await hires.getByLabel('Hires denoising strength value').fill('0.6');
    await hires.getByLabel('Upscale by').fill('2');
    await expect(page.getByTestId('hires-size')).toContainText('from 64×64 to 128×128');
    const axe = await new AxeBuilder({ page }).include('[data-testid="generation-panel"]').analyze();
    expect(axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(' | ')}`)).toEqual([]);

    const first = await generate(page);
    expect([first.width, first.height]).toEqual([128, 128]);
    const png = await downloadBytes(page);
    const params = parseA1111(pngTextChunks(png.bytes).parameters!);
    expect(params.fields).toMatchObject({
      Steps: '5',
      Seed: '7',
      Size: '64x64',
      'Denoising strength': '0.6',
      'Hires upscale': '2',
      'Hires steps': '3',
      'Hires upscaler': 'Latent (bicubic antialiased)',
    });
    await shot(page, 'hires-fix');

    // change them, then drop the PNG: PNG Info puts the hires fix back, and nothing is left unapplied
    await hires.getByLabel('Hires steps').fill('0');
    await hires.getByLabel('Upscaler').selectOption('Latent');
    await hires.getByLabel('Hires denoising strength value').fill('0.3');
    await hires.getByLabel('Upscale with a second pass (hires fix)').uncheck();
    await dropFiles(page, page.getByTestId('drop-zone'), [{ name: png.name, bytes: png.bytes }]);
    await sendPngInfo(page);
    await expect(page.getByTestId('png-info-report')).toHaveAttribute('data-ok', 'true');
    await expect(page.getByTestId('png-info-unapplied')).toHaveCount(0);
    await expect(hires.getByLabel('Upscale with a second pass (hires fix)')).toBeChecked();
    await expect(hires.getByLabel('Hires steps')).toHaveValue('3');
    await expect(hires.getByLabel('Upscaler')).toHaveValue('Latent (bicubic antialiased)');
    await expect(hires.getByLabel('Hires denoising strength value')).toHaveValue('0.6');

    const before = await resultNames(page);
    await page.getByTestId('generate').click();
    await waitForNewResults(page, before, 240_000);
    const again = await downloadBytes(page);
    expect(pngTextChunks(again.bytes).parameters).toBe(pngTextChunks(png.bytes).parameters);
    expect(again.bytes.equals(png.bytes)).toBe(true);
  });

  test('an image pasted or dropped into img2img; refusals keep the image; axe and the narrow layout with the controls', async ({ page }) => {
    test.setTimeout(600_000);
    await fillForm(page, { ...REFERENCE_FORM, steps: 4 });
    await tab(page, 'img2img').click();
    await expect(page.getByTestId('img2img-input')).toBeVisible();
    await expect(page.getByTestId('hires-fix')).toHaveCount(0); // A1111 has no hires fix on img2img

    await pasteImage(page, 'clip.png', twoTonePng(40, 24));
    await expect(page.getByTestId('init-size')).toHaveText('40×24');
    await page.getByTestId('use-image-size').click(); // rounded to the demo's multiples of 16
    await expect(form(page).getByLabel('Width')).toHaveValue('48');
    await expect(form(page).getByLabel('Height')).toHaveValue('32');

    // a PNG dropped on the input area is the input image, not PNG Info
    await dropFiles(page, page.getByTestId('init-drop'), [{ name: 'drop.png', bytes: twoTonePng(80, 48) }]);
    await expect(page.getByTestId('init-size')).toHaveText('80×48');
    await expect(page.getByTestId('png-info-report')).toHaveCount(0);

    // not an image, then too many pixels: each refused with its code, the image stays
    await dropFiles(page, page.getByTestId('init-drop'), [{ name: 'notes.txt', bytes: Buffer.from('not an image') }]);
    await expect(page.getByTestId('init-error')).toHaveAttribute('data-code', 'not-an-image');
    await pasteImage(page, 'huge.png', twoTonePng(4100, 4100));
    await expect(page.getByTestId('init-error')).toHaveAttribute('data-code', 'image-too-large', { timeout: 60_000 });
    await expect(page.getByTestId('init-error')).toContainText('4100×4100');
    await expect(page.getByTestId('init-size')).toHaveText('80×48');

    const axe = await new AxeBuilder({ page }).analyze();
    expect(axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(' | ')}`)).toEqual([]);

    const out = await generate(page);
    expect([out.width, out.height]).toEqual([48, 32]);
    expect(parseA1111(out.parameters!).fields).toMatchObject({ 'Denoising strength': '0.75', Size: '48x32' });
    await shot(page, 'img2img-input');

    await page.setViewportSize({ width: 420, height: 900 });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow, 'no horizontal scrolling').toBeLessThanOrEqual(0);
    await shot(page, 'img2img-narrow-420');
  });
});
