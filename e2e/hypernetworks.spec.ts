/**
 * The hypernetwork stack on the demo model: drop a demo hypernetwork, add it to the stack, generate with a fixed
 * seed at strength 0 (the base image, bit for bit) and 1 (a different image; with the trained demo files, more
 * stripe energy), move the slider (the engine's session counter must not move), `<hypernet:…>` tags ↔ slider,
 * stack two, remove all (the base image again), on WASM. The same on WebGPU, at 1 step: e2e/webgpu.spec.ts.
 */
import { mkdirSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { demoHypernetwork } from './support/demo-hypernetworks.ts';
import { fillForm, openStudio, REFERENCE_FORM, waitForModel, watchPage, type PageWatch } from './support/generation-page.ts';
import { dropHypernetworks, expectDifferent, expectSame, generateImage, stackPanel, stackRow, waitForStack } from './support/stack-page.ts';
import { stripeScore } from './support/style-scores.ts';

const SHOTS = 'test-results/screenshots';

let watch: PageWatch;

test.beforeEach(async ({ page }) => {
  watch = await watchPage(page);
});

test.afterEach(() => {
  expect(watch.errors, 'no page or console errors').toEqual([]);
  expect(watch.webgpu, 'no WebGPU errors').toEqual([]);
});

test.describe('hypernetwork stack on WASM', () => {
  test('strength 0 is the base image, 1 changes it, the slider rebuilds nothing, tags follow, remove all restores', async ({ page }) => {
    test.setTimeout(360_000);
    mkdirSync(SHOTS, { recursive: true });
    const stripes = demoHypernetwork('stripes');
    const invert = demoHypernetwork('invert');
    test.info().annotations.push({ type: 'demo files', description: stripes.real ? 'trained public/hypernetworks/*.pt' : 'random stand-ins (no public/hypernetworks yet)' });

    await openStudio(page, { backend: 'wasm' });
    await waitForModel(page);
    await fillForm(page, REFERENCE_FORM);
    const base = await generateImage(page);
    const baseSessions = await waitForStack(page, []);

    // drop the file and add it to the stack at strength 0
    await dropHypernetworks(page, [stripes]);
    await page.getByRole('button', { name: `Add ${stripes.stem} to the stack` }).click();
    const row = stackRow(page, stripes.stem);
    await expect(row).toHaveAttribute('data-enabled', 'true');
    await row.getByLabel(`Exact strength of ${stripes.stem}`).fill('0');
    await expect(row).toHaveAttribute('data-strength', '0');
    const builtOnce = await waitForStack(page, [stripes.stem]);
    expect(builtOnce, 'adding a hypernetwork rebuilds the U-Net').toBeGreaterThan(baseSessions);
    // what it touches in the demo model: the text width in cross-attention, the U-Net widths in self-attention
    await expect(row.getByTestId('stack-reach')).toHaveText(/^128 → \d+ cross-attention layers?; 64\/96 → \d+ self-attention layers?$/);
    await page.screenshot({ path: `${SHOTS}/hypernetworks-stack-1280.png`, fullPage: true });

    const zero = await generateImage(page);
    expectSame(zero, base, 'strength 0 gives the base image exactly');
    expect(zero.parameters).toContain(`<hypernet:${stripes.stem}:0>`);

    // move the slider to 1: a graph input changes, no session is created
    await row.getByRole('slider', { name: `Strength of ${stripes.stem}` }).fill('1');
    await expect(row).toHaveAttribute('data-strength', '1');
    expect(await waitForStack(page, [stripes.stem]), 'no session for a strength change').toBe(builtOnce);
    const one = await generateImage(page);
    expect(await waitForStack(page, [stripes.stem]), 'no session for a strength change, after generating').toBe(builtOnce);
    await expect(stackPanel(page)).toHaveAttribute('data-rebuilt', 'false');
    expectDifferent(one, base, 'strength 1 changes the image');
    expect(one.parameters).toContain(`<hypernet:${stripes.stem}:1>`);
    if (stripes.real) {
      // as the style predicts: the trainer's stripe energy rises (tools/demo-model/score.py)
      const [s0, s1] = [stripeScore(base.rgba), stripeScore(one.rgba)];
      test.info().annotations.push({ type: 'stripe score', description: `strength 0: ${s0.toFixed(4)}, strength 1: ${s1.toFixed(4)}` });
      expect(s1).toBeGreaterThan(s0);
    }
    await page.screenshot({ path: `${SHOTS}/hypernetworks-strength-1.png`, fullPage: true });

    // prompt tags: the slider rewrites the tag's multiplier, a typed multiplier moves the slider
    const prompt = page.getByRole('form', { name: 'Generation settings' }).getByLabel('Prompt', { exact: true });
    await prompt.fill(`${REFERENCE_FORM.prompt} <hypernet:${stripes.stem}:0.5> <hypernet:nosuchnet:1>`);
    await expect(row).toHaveAttribute('data-strength', '0.5');
    await expect(row.getByRole('slider', { name: `Strength of ${stripes.stem}` })).toHaveValue('0.5');
    await expect(page.getByTestId('unknown-tag')).toHaveAttribute('data-name', 'nosuchnet');
    await row.getByRole('slider', { name: `Strength of ${stripes.stem}` }).fill('1.25');
    await expect(prompt).toHaveValue(`${REFERENCE_FORM.prompt} <hypernet:${stripes.stem}:1.25> <hypernet:nosuchnet:1>`);
    expect(await waitForStack(page, [stripes.stem]), 'tags and slider change no session').toBe(builtOnce);
    await page.screenshot({ path: `${SHOTS}/hypernetworks-tags.png`, fullPage: true });
    await prompt.fill(REFERENCE_FORM.prompt); // deleting the tag disables the entry it enabled
    await expect(row).toHaveAttribute('data-enabled', 'false');
    await waitForStack(page, []);
    await row.getByRole('switch', { name: `Enable ${stripes.stem}` }).check();
    await row.getByLabel(`Exact strength of ${stripes.stem}`).fill('1');
    await waitForStack(page, [stripes.stem]);

    // stack two: the second goes after the first; the move buttons reorder them
    await dropHypernetworks(page, [invert]);
    await page.getByRole('button', { name: `Add ${invert.stem} to the stack` }).click();
    const twoBuilt = await waitForStack(page, [stripes.stem, invert.stem]);
    expect(twoBuilt).toBeGreaterThan(builtOnce);
    const two = await generateImage(page);
    expectDifferent(two, one, 'the second hypernetwork changes the image');
    expect(two.parameters).toContain(`<hypernet:${stripes.stem}:1> <hypernet:${invert.stem}:1>`);
    await page.getByRole('button', { name: `Move ${invert.stem} up` }).click();
    await waitForStack(page, [invert.stem, stripes.stem]);
    // the prompt's tags (hence the PNG) follow the order the engine applies
    await expect(prompt).toHaveValue(`${REFERENCE_FORM.prompt} <hypernet:${invert.stem}:1> <hypernet:${stripes.stem}:1>`);
    await page.screenshot({ path: `${SHOTS}/hypernetworks-two.png`, fullPage: true });

    // remove all: the base U-Net again, pixel for pixel
    await page.getByTestId('stack-clear').click();
    await expect(page.getByTestId('stack-entry')).toHaveCount(0);
    await waitForStack(page, []);
    const again = await generateImage(page);
    expectSame(again, base, 'after removing all, the base image again');
  });

  test('narrow layout keeps every stack control reachable', async ({ page }) => {
    await page.setViewportSize({ width: 390, height: 844 });
    mkdirSync(SHOTS, { recursive: true });
    await openStudio(page, { backend: 'wasm' });
    await waitForModel(page);
    const stripes = demoHypernetwork('stripes');
    await dropHypernetworks(page, [stripes]);
    await page.getByRole('button', { name: `Add ${stripes.stem} to the stack` }).click();
    await waitForStack(page, [stripes.stem]);
    const row = stackRow(page, stripes.stem);
    for (const label of [`Enable ${stripes.stem}`, `Strength of ${stripes.stem}`, `Exact strength of ${stripes.stem}`, `Remove ${stripes.stem} from the stack`]) {
      const control = row.getByLabel(label, { exact: true });
      await control.scrollIntoViewIfNeeded();
      await expect(control).toBeVisible();
    }
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow, 'no horizontal scrolling').toBeLessThanOrEqual(0);
    await row.scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${SHOTS}/hypernetworks-stack-narrow.png` });
  });
});
