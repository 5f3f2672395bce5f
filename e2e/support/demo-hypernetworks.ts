/**
 * The demo hypernetworks for the stack e2e tests: the trained files in `public/hypernetworks/` (`stripes.pt`,
 * `invert.pt`, see tools/demo-model/README.md) when they exist, else stand-ins with the demo model's widths
 * (128 text context, 64/96 U-Net) and random weights, written like `torch.save` by `bench/torch-save.ts`.
 * `real` says which: only the trained files have a style worth scoring.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { linearHypernetwork, saveHypernetwork } from '../../bench/torch-save.ts';
import type { DroppedFile } from './inspector-page.ts';

export const DEMO_HN_DIR = path.resolve('public/hypernetworks');
export const DEMO_WIDTHS = [128, 64, 96] as const;

export interface DemoHypernetwork extends DroppedFile {
  /** the A1111 name: the file stem */
  stem: string;
  /** true for the trained demo file, false for a random stand-in */
  real: boolean;
}

export function demoHypernetwork(style: 'stripes' | 'invert'): DemoHypernetwork {
  const file = path.join(DEMO_HN_DIR, `${style}.pt`);
  if (existsSync(file)) return { name: `${style}.pt`, stem: style, bytes: readFileSync(file), real: true };
  return { name: `${style}.pt`, stem: style, bytes: Buffer.from(standIn(style, style === 'stripes' ? 11 : 12)), real: false };
}

/** `[1, 2, 1]`, linear, fp32, widths 128/64/96; weights ~U(−0.06, 0.06): a clear change of K and V that keeps a recognisable image. */
function standIn(name: string, seed: number): Uint8Array {
  return saveHypernetwork(linearHypernetwork(name, DEMO_WIDTHS, seed, 0.06));
}

