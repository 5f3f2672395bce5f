/**
 * Per-stage timings in Debian's Chromium, WebGPU (SwiftShader software adapter here; a real GPU elsewhere)
 * and WASM, through the real worker engine served by Vite.
 */
import { chromium } from '@playwright/test';
import { createServer } from 'vite';
import { formatStages, median } from './stats.ts';

interface Run {
  encodeMs: number;
  denoiseMs: number;
  decodeMs: number;
  unetCalls: number;
  totalMs: number;
  /** U-Net context inputs: bytes per U-Net call, and how many of them were copied in from the CPU per call */
  uploads: { residency: 'cpu' | 'gpu'; contextBytes: number; contextBytesPerEval: number };
}

export async function benchPipelineBrowser(): Promise<void> {
  const server = await createServer({ server: { port: 5199, strictPort: true, host: '127.0.0.1' }, logLevel: 'error' });
  await server.listen();
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--enable-unsafe-webgpu', '--no-sandbox', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
  try {
    // the software adapter is ~100× slower than WASM: fewer steps there, per-step figures stay comparable
    for (const [backend, steps, runs] of [['wasm', 20, 5], ['webgpu', 3, 2]] as const) {
      const page = await browser.newPage();
      await page.goto(`http://127.0.0.1:5199/bench/browser/index.html?backend=${backend}&steps=${steps}&runs=${runs}`);
      await page.waitForFunction(() => (window as { __bench?: unknown; __benchError?: string }).__bench || (window as { __benchError?: string }).__benchError, null, { timeout: 600_000 });
      const { result, error } = await page.evaluate(() => ({
        result: (window as unknown as { __bench?: { info: { adapter: string | null; backend: string; defaultSize: number; loadMs: number }; times: Run[] } }).__bench,
        error: (window as { __benchError?: string }).__benchError,
      }));
      if (!result) throw new Error(`${backend}: ${error}`);
      const t = result.times;
      const label = `Chromium ${result.info.backend}${result.info.adapter ? ` (${result.info.adapter})` : ''}`;
      console.log(`${formatStages(label, { textEncoderMs: median(t.map((r) => r.encodeMs / 2)), unetStepMs: median(t.map((r) => r.denoiseMs / r.unetCalls)), vaeMs: median(t.map((r) => r.decodeMs)) })} · load+warm-up ${result.info.loadMs.toFixed(0)} ms · ${steps}-step image ${median(t.map((r) => r.totalMs)).toFixed(0)} ms (medians of ${runs})`);
      const u = t[0]!.uploads;
      // before GPU residency every call copied all of contextBytes in; timings on SwiftShader say nothing about a real GPU
      console.log(`  U-Net contexts: ${u.contextBytes} B per call held on the ${u.residency.toUpperCase()}, ${u.contextBytesPerEval} B/call uploaded (per-call upload before: ${u.contextBytes} B/call)`);
      await page.close();
    }
  } finally {
    await browser.close();
    await server.close();
  }
}
