/** Page helpers: a real DataTransfer drop, and checks of a card against PyTorch's expected facts. */
import { expect, type Locator, type Page } from '@playwright/test';
import { readFixture, type BadFixture, type ExpectedInspect, type ExpectedLayer, type Fixture } from './fixtures.ts';

export interface DroppedFile {
  name: string;
  bytes: Buffer;
}

export const asDropped = (f: Fixture): DroppedFile => ({ name: f.fileName, bytes: readFixture(f) });

/**
 * Builds a DataTransfer holding real File objects inside the page and dispatches the drag sequence a user's
 * drop produces; the app reads `dataTransfer.files` exactly as it would from the OS.
 */
export async function dropFiles(page: Page, target: Locator, files: DroppedFile[]): Promise<void> {
  const payload = files.map((f) => ({ name: f.name, base64: f.bytes.toString('base64') }));
  const dataTransfer = await page.evaluateHandle((items) => {
    const dt = new DataTransfer();
    for (const item of items) {
      const binary = atob(item.base64);
      const bytes = new Uint8Array(binary.length);
      for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
      dt.items.add(new File([bytes], item.name, { type: 'application/octet-stream' }));
    }
    return dt;
  }, payload);
  await target.dispatchEvent('dragenter', { dataTransfer });
  await target.dispatchEvent('dragover', { dataTransfer });
  await target.dispatchEvent('drop', { dataTransfer });
  await dataTransfer.dispose();
}

export const cards = (page: Page) => page.getByTestId('hn-card');
export const cardFor = (page: Page, fileName: string) => page.locator(`[data-testid="hn-card"][data-file-name="${fileName}"]`);

/** Independent of the app's code: A1111's size roles (spec §4.2). */
export function expectedRole(size: number): string {
  if (size === 768) return 'sd1-text';
  if (size === 1024) return 'sd2-text';
  if (size === 320 || size === 640 || size === 1280) return 'unet';
  return 'other';
}

function layerPattern(layer: ExpectedLayer): RegExp {
  const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  switch (layer.type) {
    case 'linear':
      return new RegExp(`^Linear ${layer.in}→${layer.out}$`);
    case 'layernorm':
      return new RegExp(`^LayerNorm ${layer.features}$`);
    case 'dropout':
      return new RegExp(`^Dropout ${escape(String(layer.p))}$`);
    case 'activation':
      // the UI shows torch's module name ("relu" → "ReLU", "swish" → "Hardswish")
      return new RegExp(escape(layer.name ?? ''), 'i');
  }
}

/** What a ready card shows, read in one round trip (dozens of cards are checked per test). */
interface ShownFacts {
  name: string;
  file: string;
  chips: { size: string | null; role: string | null }[];
  facts: Record<string, string>;
  parameters: string | null;
  layouts: { size: string | null; chain: string }[];
}

function readShownFacts(card: Locator): Promise<ShownFacts> {
  return card.evaluate((el) => {
    const text = (node: Element | null) => node?.textContent ?? '';
    const byTestId = (id: string) => el.querySelector(`[data-testid="${id}"]`);
    const facts: Record<string, string> = {};
    for (const dd of el.querySelectorAll('[data-testid^="fact-"]')) {
      facts[dd.getAttribute('data-testid')!.slice('fact-'.length)] = text(dd);
    }
    return {
      name: text(byTestId('hn-name')),
      file: text(byTestId('hn-file')),
      chips: [...(byTestId('hn-sizes')?.querySelectorAll('[data-size]') ?? [])].map((c) => ({
        size: c.getAttribute('data-size'),
        role: c.getAttribute('data-role'),
      })),
      facts,
      parameters: byTestId('fact-parameters')?.querySelector('[data-value]')?.getAttribute('data-value') ?? null,
      layouts: [...(byTestId('hn-layouts')?.querySelectorAll('[data-size]') ?? [])].map((row) => ({
        size: row.getAttribute('data-size'),
        chain: text(row.querySelector('code')),
      })),
    };
  });
}

/** The card shows, for this file, exactly what PyTorch recorded. */
export async function expectCardFacts(card: Locator, fileName: string, expected: ExpectedInspect): Promise<void> {
  await expect(card).toHaveAttribute('data-status', 'ready');
  const shown = await readShownFacts(card);
  const where = (what: string) => `${what} of ${fileName}`;

  expect(shown.name, where('name')).toBe(expected.name);
  expect(shown.file, where('file line')).toContain(fileName);
  expect(shown.chips, where('sizes')).toEqual(expected.sizes.map((s) => ({ size: String(s), role: expectedRole(s) })));

  const { facts } = shown;
  expect(facts['layer-structure'], where('layer structure')).toBe(`[${expected.layerStructure.join(', ')}]`);
  expect(facts['activation'], where('activation')).toContain(expected.activation);
  expect(facts['layer-norm'], where('layer norm')).toBe(expected.layerNorm ? 'yes' : 'no');
  expect(facts['activate-output'], where('activate output')).toBe(expected.activateOutput ? 'yes' : 'no');
  expect(facts['dropout'], where('dropout')).toContain(`[${expected.dropoutStructure.join(', ')}]`);
  if (expected.dropoutStructure.some((p) => p > 0)) expect(facts['dropout']).toContain('inactive at inference');
  expect(facts['step'], where('step')).toBe(expected.step.toLocaleString('en-US'));
  expect(facts['dtype'], where('dtype')).toBe(expected.dtype);
  expect(shown.parameters, where('parameters')).toBe(String(expected.parameters));
  expect(facts['checkpoint'], where('checkpoint')).toContain(expected.sdCheckpointName ?? 'unknown');
  if (expected.sdCheckpoint) expect(facts['checkpoint'], where('checkpoint hash')).toContain(expected.sdCheckpoint);

  expect(shown.layouts.map((l) => l.size), where('layout sizes')).toEqual(expected.sizes.map(String));
  for (const { size, chain } of shown.layouts) {
    const layers = expected.layers[size ?? ''] ?? [];
    const parts = chain.split(' · ');
    expect(parts, where(`layout of ${size}`)).toHaveLength(layers.length);
    layers.forEach((layer, j) => expect(parts[j], where(`layer ${j} of ${size}`)).toMatch(layerPattern(layer)));
  }
}

/** The card shows the file's specific StudioError: its code, and the words the fixture's author expects. */
export async function expectErrorCard(card: Locator, fixture: BadFixture): Promise<void> {
  await expect(card).toHaveAttribute('data-status', 'error');
  const error = card.getByTestId('hn-card-error');
  await expect(error).toHaveAttribute('data-code', fixture.error);
  await expect(error.getByTestId('hn-error-code')).toHaveText(fixture.error);
  if (fixture.messageIncludes) {
    const escaped = fixture.messageIncludes.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    await expect(error.getByTestId('hn-error-message')).toContainText(new RegExp(escaped, 'i'));
  }
}
