// Renders the PWA's PNG icons from the SVGs in public/icons with Debian's Chromium.
// Run by hand after changing an SVG: `node scripts/make-icons.mjs`.
import { chromium } from 'playwright-core';
import { readFile } from 'node:fs/promises';

const dir = new URL('../public/icons/', import.meta.url);
const jobs = [
  ['icon.svg', 'icon-192.png', 192],
  ['icon.svg', 'icon-512.png', 512],
  ['maskable.svg', 'maskable-512.png', 512],
];

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
});
try {
  for (const [src, out, size] of jobs) {
    const svg = await readFile(new URL(src, dir), 'utf8');
    const page = await browser.newPage({ viewport: { width: size, height: size } });
    await page.setContent(
      `<html><body style="margin:0;background:transparent">${svg.replace('<svg ', `<svg width="${size}" height="${size}" `)}</body></html>`,
    );
    await page.screenshot({ path: new URL(out, dir).pathname, omitBackground: true });
    await page.close();
  }
} finally {
  await browser.close();
}
