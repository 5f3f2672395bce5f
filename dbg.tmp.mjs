import { chromium } from '@playwright/test';
import { preview } from 'vite';
const server = await preview({ preview: { port: 4398, host: '127.0.0.1', strictPort: true } });
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
await page.goto('http://127.0.0.1:4398/?model=none');
await page.waitForSelector('[data-testid="studio-tools"]');
const info = await page.evaluate(() => {
  const track = document.querySelector('[data-testid="studio-tools"] .switch-track');
  const r = track.getBoundingClientRect();
  const input = document.querySelector('[data-testid="live-toggle"]');
  const ri = input.getBoundingClientRect();
  const hit = document.elementFromPoint(r.x + r.width * 0.3, r.y + r.height / 2);
  const sw = track.parentElement.getBoundingClientRect();
  return { track: [r.x, r.y, r.width, r.height], input: [ri.x, ri.y, ri.width, ri.height], sw: [sw.x, sw.y, sw.width, sw.height], hit: hit.outerHTML.slice(0, 100), cs: getComputedStyle(input).position };
});
console.log(JSON.stringify(info, null, 1));
await browser.close(); await server.close();
