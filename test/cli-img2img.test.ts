/** `hnstudio generate`'s img2img, hires fix and A1111 generation flags, through the real entry point. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hnstudio } from './support/hnstudio.ts';
import { DEMO_MODEL } from './support/demo-engine.ts';

const common = ['--model', DEMO_MODEL, '--prompt', 'a small red circle on the left, white background', '--steps', '4', '--seed', '3', '--sampler', 'Euler', '--width', '64', '--height', '64'];

async function params(png: string): Promise<Record<string, string>> {
  const r = await hnstudio('png-info', png, '--json');
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout).params as Record<string, string>;
}

describe('hnstudio generate: img2img, hires fix and the other A1111 flags', { timeout: 180_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'hn-i2i-'));

  it('img2img from a PNG and a hires fix run, their PNGs carry the fields', async () => {
    const first = join(dir, 'first.png');
    const a = await hnstudio('generate', ...common, '--schedule-type', 'Karras', '--clip-skip', '2', '--variation-seed', '9', '--variation-strength', '0.3', '--seed-resize-from', '48x48', '--batch-size', '2', '--out', first);
    expect(a.code, a.stderr).toBe(0);
    expect(a.stdout).toContain(`wrote ${join(dir, 'first-1.png')} (seed 4)`);
    expect(await params(join(dir, 'first-0.png'))).toMatchObject({ 'Schedule type': 'Karras', 'Clip skip': '2', 'Variation seed': '9', 'Variation seed strength': '0.3', 'Seed resize from': '48x48' });

    const i2i = join(dir, 'i2i.png');
    const b = await hnstudio('generate', ...common, '--init-image', join(dir, 'first-0.png'), '--denoise', '0.5', '--resize-mode', 'crop', '--ensd', '31337', '--out', i2i);
    expect(b.code, b.stderr).toBe(0);
    expect(await params(i2i)).toMatchObject({ 'Denoising strength': '0.5', Size: '64x64' });

    const hires = join(dir, 'hires.png');
    const c = await hnstudio('generate', ...common, '--hires-scale', '1.5', '--hires-steps', '2', '--hires-denoise', '0.6', '--hires-upscaler', 'Lanczos', '--out', hires);
    expect(c.code, c.stderr).toBe(0);
    expect(await params(hires)).toMatchObject({ Size: '64x64', 'Denoising strength': '0.6', 'Hires upscale': '1.5', 'Hires steps': '2', 'Hires upscaler': 'Lanczos' });
  });

  it('refuses malformed flags and a file that is not a PNG, with one error line', async () => {
    const cases: [string[], RegExp][] = [
      [['--init-image', join(dir, 'none.png'), '--resize-mode', 'stretch'], /--resize-mode must be just, crop or fill/],
      [['--denoise', '0.5'], /give --init-image/],
      [['--hires-resize', '768'], /--hires-resize must be WxH/],
      [['--batch-size', 'two'], /--batch-size must be a whole number/],
    ];
    for (const [flags, message] of cases) {
      const r = await hnstudio('generate', ...common, ...flags, '--out', join(dir, 'x.png'));
      expect(r.code, flags.join(' ')).not.toBe(0);
      expect(r.stderr).toMatch(message);
    }
    const text = join(dir, 'text.png');
    writeFileSync(text, 'not a png at all, just some text');
    const r = await hnstudio('generate', ...common, '--init-image', text, '--out', join(dir, 'y.png'));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/not a PNG file\. \[not-a-png\]\n$/);
  });
});
