// Renders public/favicon.svg into the PNG icons the web app manifest names (public/icons/), with Debian's
// Chromium through Playwright: `node scripts/make-icons.mjs`. The PNGs are committed; nothing runs this at build.
import { mkdirSync, readFileSync } from 'node:fs';
import { chromium } from '@playwright/test';

const svg = readFileSync('public/favicon.svg', 'utf8');
const dataUrl = `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`;
// the favicon's own tile colour: a maskable icon must be full-bleed, with the art inside the 80% safe zone
const TILE = '#161a24';

const icons = [
  { file: 'icon-192.png', size: 192, maskable: false },
  { file: 'icon-512.png', size: 512, maskable: false },
  { file: 'maskable-512.png', size: 512, maskable: true },
  { file: 'apple-touch-icon-180.png', size: 180, maskable: true },
];

mkdirSync('public/icons', { recursive: true });
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
try {
  const page = await browser.newPage({ deviceScaleFactor: 1 });
  for (const { file, size, maskable } of icons) {
    const art = maskable ? Math.round(size * 0.8) : size;
    await page.setViewportSize({ width: size, height: size });
    await page.setContent(
      `<html><body style="margin:0;width:${size}px;height:${size}px;display:grid;place-items:center;background:${maskable ? TILE : 'transparent'}">` +
        `<img src="${dataUrl}" width="${art}" height="${art}"></body></html>`,
    );
    await page.locator('img').evaluate((img) => img.decode());
    await page.screenshot({ path: `public/icons/${file}`, omitBackground: !maskable, clip: { x: 0, y: 0, width: size, height: size } });
    console.log(`public/icons/${file} (${size}×${size}${maskable ? ', maskable' : ''})`);
  }
} finally {
  await browser.close();
}
