/**
 * The Node side of the browser-vs-Node checks: the same core and engine the CLI runs (`src/cli/generate.ts`),
 * in the Playwright runner's process, on onnxruntime-web's wasm build. Results are cached per request.
 */
import { resolve } from 'node:path';
import { fsModelSource } from '../../src/cli/fs-model-source.ts';
import type { GenerateRequest } from '../../src/engine/api.ts';
import { Engine } from '../../src/engine/engine.ts';

export const DEMO_MODEL_DIR = resolve('public/models/sd-shapes-demo');

export interface ReferenceImage {
  width: number;
  height: number;
  rgba: Uint8Array;
  seed: number;
  infotext: string;
}

let engine: Promise<Engine> | null = null;
const cache = new Map<string, Promise<ReferenceImage>>();

function demoEngine(): Promise<Engine> {
  engine ??= (async () => {
    const e = new Engine({ loadOrt: () => import('onnxruntime-web'), threads: 1 });
    await e.loadFrom(fsModelSource(DEMO_MODEL_DIR), 'wasm');
    return e;
  })();
  return engine;
}

/** The first image the Node engine generates for `request` with the demo model. */
export function nodeReference(request: GenerateRequest): Promise<ReferenceImage> {
  const key = JSON.stringify(request);
  let hit = cache.get(key);
  if (!hit) {
    hit = (async () => {
      const e = await demoEngine();
      const { images } = await e.generate({ ...request, batchCount: 1 });
      const image = images[0]!;
      return { width: image.width, height: image.height, rgba: new Uint8Array(image.rgba), seed: image.seed, infotext: image.infotext };
    })();
    cache.set(key, hit);
  }
  return hit;
}

export interface PixelDiff {
  /** largest |a − b| over R, G, B (alpha is always 255) */
  max: number;
  /** mean |a − b| over R, G, B */
  mean: number;
  /** share of RGB values that differ at all */
  changed: number;
}

export function compareRgba(a: Uint8Array, b: Uint8Array): PixelDiff {
  if (a.length !== b.length) throw new Error(`image sizes differ: ${a.length} vs ${b.length} bytes`);
  let max = 0;
  let sum = 0;
  let changed = 0;
  let n = 0;
  for (let i = 0; i < a.length; i++) {
    if (i % 4 === 3) continue;
    const d = Math.abs(a[i]! - b[i]!);
    if (d > max) max = d;
    sum += d;
    if (d) changed++;
    n++;
  }
  return { max, mean: sum / n, changed: changed / n };
}
