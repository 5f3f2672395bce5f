/**
 * Installed models (OPFS) on the WASM backend: a model folder imported through `<input webkitdirectory>`,
 * generated from, still installed after a reload; a same-size corruption caught at load with the file named and
 * a re-import that replaces it; Verify; delete; a broken folder refused before anything is copied; dropped
 * hypernetworks kept across reloads, renamed and removed; an A1111 checkpoint dropped on the page, converted,
 * installed and generated from.
 */
import { readFileSync, statSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { fillForm, modelBar, openStudio, REFERENCE_FORM, resultNames, waitForModel, waitForNewResults, watchPage, type PageWatch } from './support/generation-page.ts';
import { demoHypernetwork } from './support/demo-hypernetworks.ts';
import { cardFor, cards, dropFiles } from './support/inspector-page.ts';
import { corruptInstalledFile, demoModelCopy, importFolder, installedModel, modelsDialog, openModels, opfsModelDirs } from './support/models-page.ts';

let watch: PageWatch;

const SHOTS = 'test-results/screenshots';

test.beforeEach(async ({ page }) => {
  watch = await watchPage(page);
});

test.afterEach(() => {
  expect(watch.errors, 'no page or console errors').toEqual([]);
});

test('import a model folder, generate from it, find it after a reload, catch a corrupted file, re-import, verify, delete', async ({ page }) => {
  test.setTimeout(420_000);
  const folder = demoModelCopy('sd-shapes-copy');
  await openStudio(page, { backend: 'wasm', model: 'none' });
  await openModels(page);
  const dialog = modelsDialog(page);
  await expect(dialog.getByTestId('storage-usage')).toContainText(/Browser storage: .+ used of .+/);
  // the built-in demo is listed and cannot be deleted
  const demo = dialog.locator('[data-testid="installed-model"][data-builtin="true"]');
  await expect(demo).toContainText('sd-shapes-demo');
  await expect(demo.getByRole('button', { name: /^Delete/ })).toHaveCount(0);

  await importFolder(page, folder);
  const done = dialog.locator('[data-testid="import-status"][data-status="done"]');
  await expect(done).toBeVisible({ timeout: 180_000 });
  const bytes = Number(await done.getAttribute('data-bytes'));
  const ms = Number(await done.getAttribute('data-ms'));
  // the copied files: everything but the VAE encoder (the pipeline does not use it)
  const expected = ['model_index.json', 'text_encoder/model.onnx', 'unet/model.onnx', 'vae_decoder/model.onnx', 'tokenizer/vocab.json'].reduce((n, f) => n + statSync(path.join(folder, f)).size, 0);
  expect(bytes).toBeGreaterThan(expected);
  test.info().annotations.push({ type: 'import-speed', description: `${(bytes / 1e6).toFixed(1)} MB in ${ms} ms = ${(bytes / 1e3 / ms).toFixed(1)} MB/s` });

  const item = installedModel(page, 'sd-shapes-copy');
  await expect(item).toBeVisible();
  await expect(item.getByTestId('installed-model-size')).toContainText(/\d+(\.\d+)? MB · \d+ files/);
  await page.screenshot({ path: `${SHOTS}/models-dialog.png` });
  const id = (await item.getAttribute('data-model-id'))!;
  expect(await opfsModelDirs(page)).toEqual([id]);

  // it loads by itself after the import; generate from it
  await waitForModel(page);
  await expect(page.getByTestId('model-name')).toHaveText('sd-shapes-copy');
  await dialog.getByRole('button', { name: 'Close the models dialog' }).click();
  await expect(dialog).toBeHidden();
  await fillForm(page, { ...REFERENCE_FORM, steps: 4 });
  const before = await resultNames(page);
  await page.getByRole('button', { name: 'Generate' }).click();
  await waitForNewResults(page, before, 60_000);
  await expect(page.getByTestId('result-infotext')).toContainText('Model: sd-shapes-copy');

  // after a reload it is still installed, with its size
  await page.reload();
  await openModels(page);
  await expect(item).toBeVisible();
  await expect(item.getByTestId('installed-model-size')).toContainText('MB');

  // one byte changed in the U-Net (same size): the load names the file and offers a re-import
  await corruptInstalledFile(page, id, 'unet/model.onnx');
  await item.getByRole('button', { name: 'Load sd-shapes-copy' }).click();
  await dialog.getByRole('button', { name: 'Close the models dialog' }).click();
  await expect(modelBar(page)).toHaveAttribute('data-status', 'error', { timeout: 180_000 });
  const error = page.getByTestId('model-error');
  await expect(error).toHaveAttribute('data-code', 'corrupt-cache');
  await expect(page.getByTestId('model-error-message')).toContainText('unet/model.onnx has changed since it was imported');
  await page.screenshot({ path: `${SHOTS}/models-corrupt-cache.png` });
  // Verify finds the same file
  await openModels(page);
  await item.getByRole('button', { name: 'Verify sd-shapes-copy' }).click();
  await expect(item.getByTestId('verify-status')).toHaveAttribute('data-status', 'damaged');
  await expect(item.getByTestId('verify-status')).toContainText('unet/model.onnx');
  await dialog.getByRole('button', { name: 'Close the models dialog' }).click();

  await page.getByTestId('reimport-model').click();
  await expect(dialog.getByRole('heading', { name: 'Re-import sd-shapes-copy' })).toBeVisible();
  await importFolder(page, folder);
  await expect(done).toBeVisible({ timeout: 180_000 });
  // the bar still shows the damaged copy's error until the new load starts: wait for that, then for the load
  await expect(modelBar(page)).not.toHaveAttribute('data-status', 'error', { timeout: 60_000 });
  await waitForModel(page);
  // the damaged copy was replaced, not kept beside the new one
  await expect(dialog.locator('[data-testid="installed-model"]:not([data-builtin])')).toHaveCount(1);
  const newId = (await item.getAttribute('data-model-id'))!;
  expect(newId).not.toBe(id);
  expect(await opfsModelDirs(page)).toEqual([newId]);
  await item.getByRole('button', { name: 'Verify sd-shapes-copy' }).click();
  await expect(item.getByTestId('verify-status')).toHaveAttribute('data-status', 'ok');

  // delete (two steps); the loaded model goes back to the demo
  await item.getByRole('button', { name: 'Delete sd-shapes-copy', exact: true }).click();
  await item.getByRole('button', { name: 'Delete sd-shapes-copy for good' }).click();
  await expect(item).toHaveCount(0);
  expect(await opfsModelDirs(page)).toEqual([]);
  await expect(page.getByTestId('model-name')).toHaveText('sd-shapes-demo');
});

test('a folder with a missing file is refused before anything is copied, naming the file', async ({ page }) => {
  const folder = demoModelCopy('no-unet', (rel) => rel.startsWith('unet'));
  await openStudio(page, { backend: 'wasm', model: 'none' });
  await openModels(page);
  await importFolder(page, folder);
  const error = page.getByTestId('import-error');
  await expect(error).toHaveAttribute('data-code', 'missing-file');
  await expect(page.getByTestId('import-error-message')).toContainText('unet/model.onnx is missing (the U-Net)');
  expect(await opfsModelDirs(page)).toEqual([]);
});

test('a dropped hypernetwork is still listed after a reload, keeps its new name, and stays removed', async ({ page }) => {
  const stripes = demoHypernetwork('stripes');
  const invert = demoHypernetwork('invert');
  await openStudio(page, { backend: 'wasm', model: 'none' });
  await dropFiles(page, page.getByTestId('drop-zone'), [stripes, invert]);
  await expect(cardFor(page, 'stripes.pt')).toHaveAttribute('data-status', 'ready');
  await expect(cardFor(page, 'invert.pt')).toHaveAttribute('data-status', 'ready');

  // rename: the card and the prompt tag use the new name; the card says "kept" once the kept copy has it
  await cardFor(page, 'stripes.pt').getByTestId('hn-toggle').click();
  await cardFor(page, 'stripes.pt').getByRole('button', { name: 'Rename stripes' }).click();
  await cardFor(page, 'stripes.pt').getByLabel('New name for stripes').fill('bold_stripes');
  await cardFor(page, 'stripes.pt').getByRole('button', { name: 'Save name' }).click();
  await expect(cardFor(page, 'stripes.pt').getByTestId('hn-tag-name')).toHaveText('bold_stripes');
  await expect(cardFor(page, 'stripes.pt').getByTestId('hn-kept')).toHaveAttribute('data-kept', 'kept');

  await page.reload();
  await expect(cards(page)).toHaveCount(2);
  await expect(cardFor(page, 'stripes.pt')).toHaveAttribute('data-status', 'ready');
  await expect(cardFor(page, 'stripes.pt').getByTestId('hn-tag-name')).toHaveText('bold_stripes');
  await expect(cardFor(page, 'stripes.pt').getByTestId('hn-name')).toHaveText('stripes');
  await expect(cardFor(page, 'invert.pt')).toHaveAttribute('data-status', 'ready');
  // the inspector card is re-read from the kept bytes: its facts are back
  await expect(cardFor(page, 'invert.pt').getByTestId('fact-layer-structure')).toHaveText('[1, 1.5, 1]');

  // the card stays ("Removing…") until the kept copy is deleted: a reload right after cannot bring it back
  await cardFor(page, 'invert.pt').getByTestId('hn-remove').click();
  await expect(cards(page)).toHaveCount(1);
  await page.reload();
  await expect(cardFor(page, 'stripes.pt')).toHaveAttribute('data-status', 'ready');
  await expect(cards(page)).toHaveCount(1);
});

test('an A1111 checkpoint dropped on the page with its .yaml is converted, installed, loaded and generates', async ({ page }) => {
  test.setTimeout(420_000);
  const fixtures = path.join(import.meta.dirname, '..', 'test', 'fixtures', 'checkpoint');
  // a tiny SD 1.x checkpoint in LDM's own layout, written by tools/checkpoint/make_checkpoints.py
  const checkpoint = { name: 'sd1-tiny.safetensors', bytes: gunzipSync(readFileSync(path.join(fixtures, 'sd1-tiny.safetensors.gz'))) };
  const yaml = { name: 'sd1-tiny.yaml', bytes: readFileSync(path.join(fixtures, 'sd1-tiny.yaml')) };
  await openStudio(page, { backend: 'wasm', model: 'none' });
  await dropFiles(page, page.getByTestId('drop-zone'), [checkpoint, yaml]);
  // the dialog opens with the conversion's progress, and the model loads when it is installed
  const dialog = modelsDialog(page);
  await expect(dialog.locator('[data-testid="import-status"][data-status="done"]')).toBeVisible({ timeout: 180_000 });
  await expect(installedModel(page, 'sd1-tiny')).toBeVisible();
  // a checkpoint is not a hypernetwork: no card for it
  await expect(cards(page)).toHaveCount(0);
  await waitForModel(page);
  await expect(page.getByTestId('model-name')).toHaveText('sd1-tiny');
  await dialog.getByRole('button', { name: 'Close the models dialog' }).click();
  await fillForm(page, { ...REFERENCE_FORM, steps: 2, width: 64, height: 64 });
  const before = await resultNames(page);
  await page.getByRole('button', { name: 'Generate' }).click();
  await waitForNewResults(page, before, 120_000);
  await expect(page.getByTestId('result-infotext')).toContainText('Model: sd1-tiny');
});
