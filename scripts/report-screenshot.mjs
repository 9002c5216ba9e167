// A PNG of a `genrec report` page as headless Chromium draws it (the README's docs/report.png):
//   node scripts/report-screenshot.mjs report.html docs/report.png [--height 1600] [--open-tree]
// Waits until every figure is drawn; --height clips the page (default: the whole page); --open-tree expands the
// beam tree's first level before the shot. Chromium: /usr/bin/chromium, or GENREC_CHROMIUM.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { chromium } from 'playwright-core';

const args = process.argv.slice(2);
const [page, out] = args.filter((a, i) => !a.startsWith('--') && !(args[i - 1] ?? '').startsWith('--height'));
const heightAt = args.indexOf('--height');
const height = heightAt >= 0 ? Number(args[heightAt + 1]) : null;
if (!page || !out || (height !== null && !(height > 0))) {
  console.error('usage: node scripts/report-screenshot.mjs REPORT.html OUT.png [--height PX] [--open-tree]');
  process.exit(2);
}
const executablePath = process.env.GENREC_CHROMIUM ?? '/usr/bin/chromium';
if (!existsSync(executablePath)) {
  console.error(
    `report-screenshot: no Chromium at ${executablePath} (apt-get install chromium, or set GENREC_CHROMIUM)`,
  );
  process.exit(1);
}
const browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] });
try {
  const tab = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await tab.goto(`file://${resolve(page)}`);
  await tab.waitForFunction(
    () => [...document.querySelectorAll('.figure')].every((f) => f.getAttribute('data-rendered') === 'true'),
    null,
    { timeout: 30_000 },
  );
  if (args.includes('--open-tree'))
    await tab.$$eval('.bt-tree > details.bt-node', (ds) => ds.slice(0, 3).forEach((d) => (d.open = true)));
  const full = await tab.evaluate(() => document.documentElement.scrollHeight);
  await tab.screenshot({
    path: out,
    fullPage: true,
    clip: { x: 0, y: 0, width: 1280, height: Math.min(full, height ?? full) },
  });
  console.log(`report-screenshot: ${out}`);
} finally {
  await browser.close();
}
