/**
 * The committed hypernetwork fixtures (`test/fixtures/hypernetwork/`), each a `.pt` next to the
 * `.expected.json` that PyTorch recorded for it: `inspect` (the CLI's `inspect --json` object) for good
 * files, `error` (a StudioError code) for bad ones. HN_FIXTURE_DIR points elsewhere for local experiments.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

export interface ExpectedLayer {
  type: 'linear' | 'activation' | 'layernorm' | 'dropout';
  in?: number;
  out?: number;
  name?: string;
  features?: number;
  p?: number;
}

export interface ExpectedInspect {
  name: string;
  step: number;
  sdCheckpoint: string | null;
  sdCheckpointName: string | null;
  sizes: number[];
  layerStructure: number[];
  activation: string;
  layerNorm: boolean;
  activateOutput: boolean;
  dropoutStructure: number[];
  dtype: string;
  parameters: number;
  layers: Record<string, ExpectedLayer[]>;
}

export interface Fixture {
  /** file name as dropped */
  fileName: string;
  filePath: string;
  expected: Record<string, unknown>;
}

export interface ValidFixture extends Fixture {
  inspect: ExpectedInspect;
}

export interface BadFixture extends Fixture {
  error: string;
  /** a substring the message should contain, matched case-insensitively */
  messageIncludes?: string;
}

export const FIXTURE_DIR = path.resolve(process.env.HN_FIXTURE_DIR ?? 'test/fixtures/hypernetwork');

const EXPECTED_SUFFIX = '.expected.json';

function loadAll(): Fixture[] {
  if (!existsSync(FIXTURE_DIR)) throw new Error(`no fixtures at ${FIXTURE_DIR}: run \`npm run fixtures\``);
  const fixtures: Fixture[] = [];
  for (const jsonName of readdirSync(FIXTURE_DIR).filter((n) => n.endsWith(EXPECTED_SUFFIX)).sort()) {
    const expected = JSON.parse(readFileSync(path.join(FIXTURE_DIR, jsonName), 'utf8')) as Record<string, unknown>;
    const stem = jsonName.slice(0, -EXPECTED_SUFFIX.length);
    const candidates = [expected.file, expected.fileName, `${stem}.pt`, stem].filter((n): n is string => typeof n === 'string');
    const fileName = candidates.find((n) => existsSync(path.join(FIXTURE_DIR, n)));
    if (fileName) fixtures.push({ fileName, filePath: path.join(FIXTURE_DIR, fileName), expected });
  }
  return fixtures;
}

const all = loadAll();

export const validFixtures: ValidFixture[] = all
  .filter((f) => typeof f.expected.inspect === 'object' && f.expected.inspect !== null)
  .map((f) => ({ ...f, inspect: f.expected.inspect as ExpectedInspect }));

export const badFixtures: BadFixture[] = all
  .filter((f) => typeof f.expected.error === 'string')
  .map((f) => ({
    ...f,
    error: f.expected.error as string,
    messageIncludes: typeof f.expected.messageIncludes === 'string' ? f.expected.messageIncludes : undefined,
  }));

/** The fixture most worth showing: an activation, layer norm and dropout, then the most sizes. */
export function richestValidFixture(): ValidFixture {
  const score = (f: ValidFixture) =>
    (f.inspect.activation !== 'linear' ? 10 : 0) +
    (f.inspect.layerNorm ? 10 : 0) +
    (f.inspect.dropoutStructure.some((p) => p > 0) ? 10 : 0) +
    f.inspect.sizes.length;
  const best = [...validFixtures].sort((a, b) => score(b) - score(a))[0];
  if (!best) throw new Error(`no valid fixture (with "inspect") in ${FIXTURE_DIR}`);
  return best;
}

/** A valid fixture with one of Stable Diffusion's real widths (768, 1024, 320…), if any. */
export function fixtureWithRealWidths(): ValidFixture | undefined {
  return validFixtures.find((f) => f.inspect.sizes.some((s) => [320, 640, 768, 1024, 1280].includes(s)));
}

export function fixtureWithError(code: string): BadFixture {
  const found = badFixtures.find((f) => f.error === code);
  if (!found) throw new Error(`no fixture with "error": "${code}" in ${FIXTURE_DIR}`);
  return found;
}

export function readFixture(f: Fixture): Buffer {
  return readFileSync(f.filePath);
}
