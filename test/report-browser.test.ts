// genrec report in a real browser: headless Chromium (Debian's `chromium`, installed by scripts/setup.sh) driven by
// playwright-core opens the report of two tiny runs trained here (seeds 0 and 1, with cached pruning diagnostics and a
// beam tree): no console errors, every figure draws a non-empty SVG, a beam-tree node expands on click. The
// screenshot goes to runs/test-output/report.png (GENREC_TEST_OUTPUT overrides the folder). Skips, saying why, where
// Chromium is not installed (GENREC_CHROMIUM names another executable).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';
import { loadDataset } from '../src/data/index.js';
import { setNumThreads } from '../src/engine/index.js';
import { cachedDiagnostics } from '../src/experiment/figures.js';
import { buildReport, writeReport } from '../src/experiment/report.js';
import { resolveRunConfig } from '../src/pipeline/config.js';
import { runExperiment } from '../src/pipeline/run.js';

const CHROMIUM = process.env.GENREC_CHROMIUM ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find(existsSync);
const SKIP =
  CHROMIUM === undefined || !existsSync(CHROMIUM)
    ? `Chromium not found (${CHROMIUM ?? '/usr/bin/chromium'}): install Debian's chromium (scripts/setup.sh does, as root) or set GENREC_CHROMIUM; the browser test of genrec report is skipped`
    : false;

/** Two tiny runs (seeds 0, 1) on a slice of the embedded set, with diagnostics of 8 test users cached. */
async function tinyRuns(root: string): Promise<string[]> {
  setNumThreads(1);
  const full = loadDataset({ format: 'embedded' });
  const ds = { ...full, train: full.train.slice(0, 256), valid: full.valid.slice(0, 16), test: full.test.slice(0, 24) };
  const dirs: string[] = [];
  for (const seed of [0, 1]) {
    const dir = join(root, `tiny-s${seed}`);
    const cfg = resolveRunConfig([
      {
        value: {
          preset: 'tiny',
          out: dir,
          seed,
          threads: 1,
          refit: false,
          trainer: { epochs: 2, batchSize: 64, logIntervalSec: 0 },
          eval: { validUsers: 8, beamWidth: 5, ks: [1, 5], chunkUsers: 8 },
        },
        source: 'test',
      },
    ]);
    await runExperiment(cfg, { data: ds, log: () => {} });
    cachedDiagnostics(dir, cfg, ds.test, 8, cfg.eval.scoring, () => {});
    dirs.push(dir);
  }
  return dirs;
}

test(
  'report in headless Chromium: no console errors, every figure drawn, the beam tree expands',
  { skip: SKIP },
  async (t) => {
    const root = mkdtempSync(join(tmpdir(), 'genrec-report-browser-'));
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    try {
      const dirs = await tinyRuns(root);
      const file = join(root, 'report.html');
      writeReport(file, buildReport(dirs, { user: 0, title: 'browser test', allowDataChange: false, log: () => {} }));
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const errors: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(m.text());
      });
      page.on('pageerror', (e) => errors.push(String(e)));
      page.on('request', (r) => {
        if (!r.url().startsWith('file:')) errors.push(`fetched ${r.url()}`);
      });
      await page.goto(`file://${file}`);
      const figures = await page.locator('.figure').count();
      assert.ok(figures >= 1 + 3, `the comparison and the curves (${figures} figures)`);
      await page.waitForFunction(
        (n) => document.querySelectorAll('.figure[data-rendered="true"]').length === n,
        figures,
        { timeout: 20_000 },
      );
      const drawn = await page.$$eval('.figure', (els) =>
        els.map((el) => {
          const svg = el.querySelector('svg');
          const box = svg?.getBoundingClientRect();
          return {
            id: el.getAttribute('data-figure'),
            width: box?.width ?? 0,
            height: box?.height ?? 0,
            marks: svg?.querySelectorAll('g.mark-rect path, g.mark-line path, g.mark-symbol path').length ?? 0,
          };
        }),
      );
      for (const f of drawn) {
        assert.ok(f.width > 50 && f.height > 50, `figure ${f.id} has a drawn SVG (${f.width}×${f.height})`);
        assert.ok(f.marks > 0, `figure ${f.id} draws marks`);
      }
      for (const s of ['comparison', 'configuration', 'curves', 'metrics', 'pruning', 'beam-tree'])
        assert.equal(await page.locator(`[data-section="${s}"]`).count(), 1, `section ${s}`);
      // a closed node of the beam tree opens on a click on its summary, showing its children
      const closed = await page.$('.bt-tree details.bt-node:not([open])');
      assert.ok(closed, 'the tree has a closed node');
      const children = await closed.$(':scope > .bt-children');
      assert.ok(children);
      assert.equal(await children.isVisible(), false, 'a closed node hides its children');
      const summary = await closed.$(':scope > summary');
      assert.ok(summary);
      await summary.click();
      assert.equal(await closed.evaluate((d) => (d as HTMLDetailsElement).open), true, 'the node expanded');
      assert.equal(await children.isVisible(), true, 'its children are shown');
      assert.deepEqual(errors, [], 'no console errors, nothing fetched');
      const outDir = resolve(process.env.GENREC_TEST_OUTPUT ?? join('runs', 'test-output'));
      mkdirSync(outDir, { recursive: true });
      const shot = join(outDir, 'report.png');
      await page.screenshot({ path: shot, fullPage: true });
      t.diagnostic(`screenshot: ${shot}`);
      console.log(`report-browser: screenshot ${shot}`);
    } finally {
      await browser.close();
      rmSync(root, { recursive: true, force: true });
    }
  },
);
