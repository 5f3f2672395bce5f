import { mkdirSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import {
  badFixtures,
  fixtureWithError,
  fixtureWithRealWidths,
  richestValidFixture,
  validFixtures,
  type Fixture,
} from './support/fixtures.ts';
import { asDropped, cardFor, cards, dropFiles, expectCardFacts, expectErrorCard } from './support/inspector-page.ts';

/** Errors on the page or in the worker fail the test: a bad file must never break the app. */
function watchForPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  return errors;
}

let pageErrors: string[] = [];

test.beforeEach(async ({ page }) => {
  pageErrors = watchForPageErrors(page);
  // no model at start: these tests are about the inspector, and its worker must start with the first file
  await page.goto('/?model=none');
  await expect(page.getByRole('heading', { level: 1, name: 'Hypernetwork Studio' })).toBeVisible();
});

test.afterEach(() => {
  expect(pageErrors).toEqual([]);
});

test('a file dropped through a real DataTransfer is parsed in a worker and shows its facts', async ({ page }) => {
  const fixture = richestValidFixture();
  const zone = page.getByTestId('drop-zone');

  await dropFiles(page, zone, [asDropped(fixture)]);

  await expect(cards(page)).toHaveCount(1);
  // the engine worker reads it (it may already run: the page asks it about the GPU adapter at start)
  expect(page.workers().map((w) => w.url()).some((url) => /worker/i.test(url))).toBe(true);
  await expectCardFacts(cardFor(page, fixture.fileName), fixture.fileName, fixture.inspect);
  await expect(zone).not.toHaveClass(/is-dragging/);
});

test('a file dropped beside the drop zone is taken too, and the browser does not open it', async ({ page }) => {
  const fixture = validFixtures[0]!;
  await dropFiles(page, page.locator('header'), [asDropped(fixture)]);
  await expectCardFacts(cardFor(page, fixture.fileName), fixture.fileName, fixture.inspect);
  expect(new URL(page.url()).pathname).toBe('/');
});

test('the file picker opens from the keyboard and accepts several files', async ({ page }) => {
  const picked = validFixtures.slice(0, 3);
  const button = page.getByRole('button', { name: 'Choose files…' });
  await button.focus();
  const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.keyboard.press('Enter')]);
  expect(chooser.isMultiple()).toBe(true);
  await chooser.setFiles(picked.map((f) => f.filePath));

  await expect(cards(page)).toHaveCount(picked.length);
  for (const f of picked) await expectCardFacts(cardFor(page, f.fileName), f.fileName, f.inspect);

  // the input is reset after each pick, so choosing the same file again is seen: it is the same file (the same
  // SHA-256), so its card is pointed at instead of a twin being added
  const again = picked[0]!;
  await page.getByTestId('file-input').setInputFiles(again.filePath);
  await expect(cardFor(page, again.fileName).getByTestId('hn-notice')).toContainText(`${again.fileName} is already loaded`);
  await expect(cards(page)).toHaveCount(picked.length);
});

test('a malicious file gets an error card naming the global, and the page keeps working', async ({ page }) => {
  const evil = fixtureWithError('forbidden-global');
  const good = richestValidFixture();
  const zone = page.getByTestId('drop-zone');

  await dropFiles(page, zone, [asDropped(evil)]);
  const evilCard = cardFor(page, evil.fileName);
  await expectErrorCard(evilCard, evil);
  expect(evil.messageIncludes, 'the fixture names its global').toBeTruthy();

  await dropFiles(page, zone, [asDropped(good)]);
  await expectCardFacts(cardFor(page, good.fileName), good.fileName, good.inspect);
  await expectErrorCard(evilCard, evil);

  await evilCard.getByRole('button', { name: `Remove ${evil.fileName}` }).click();
  await expect(cards(page)).toHaveCount(1);
  await expect(cardFor(page, good.fileName)).toHaveAttribute('data-status', 'ready');
});

test('every fixture dropped at once: one card each, in drop order, with its facts or its specific error', async ({
  page,
}) => {
  test.setTimeout(420_000); // ~80 files on 2 shared cores
  // interleave good and bad files so that errors sit between cards that must stay intact
  const dropped: Fixture[] = [];
  for (let i = 0; i < Math.max(validFixtures.length, badFixtures.length); i++) {
    const v = validFixtures[i];
    const b = badFixtures[i];
    if (v) dropped.push(v);
    if (b) dropped.push(b);
  }
  expect(validFixtures.length).toBeGreaterThan(0);
  expect(badFixtures.length).toBeGreaterThan(0);

  await dropFiles(page, page.getByTestId('drop-zone'), dropped.map(asDropped));

  await expect(cards(page)).toHaveCount(dropped.length);
  const order = await cards(page).evaluateAll((els) => els.map((el) => el.getAttribute('data-file-name')));
  expect(order).toEqual(dropped.map((f) => f.fileName));
  await expect(page.locator('[data-testid="hn-card"][data-status="reading"]')).toHaveCount(0, { timeout: 180_000 });

  for (const v of validFixtures) await expectCardFacts(cardFor(page, v.fileName), v.fileName, v.inspect);
  for (const b of badFixtures) await expectErrorCard(cardFor(page, b.fileName), b);

  await page.getByRole('button', { name: 'Clear all' }).click();
  await expect(cards(page)).toHaveCount(0);
});

test('main screen screenshot with cards (1280×800 and narrow)', async ({ page }) => {
  const richest = richestValidFixture();
  const realWidths = fixtureWithRealWidths();
  const shown = [richest, ...(realWidths && realWidths !== richest ? [realWidths] : [])];
  const evil = fixtureWithError('forbidden-global');
  await dropFiles(page, page.getByTestId('drop-zone'), [...shown, evil].map(asDropped));
  await expect(page.locator('[data-testid="hn-card"][data-status="reading"]')).toHaveCount(0);

  mkdirSync('test-results/screenshots', { recursive: true });
  await page.screenshot({ path: 'test-results/screenshots/main-screen.png', fullPage: true });

  await page.setViewportSize({ width: 390, height: 844 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow, 'no horizontal scrolling on a phone-sized window').toBeLessThanOrEqual(0);
  await page.screenshot({ path: 'test-results/screenshots/main-screen-narrow.png', fullPage: true });
});
