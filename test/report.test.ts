// genrec report's content (no browser: see report-browser.test.ts): the sections each column gets, seeds of one
// configuration summarised as mean ± std with a bootstrap interval, optional sections present only with their data
// (RL curves, list metrics, pruning diagnostics, beam tree), a page that fetches nothing, and the command's options.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildReport } from '../src/experiment/report.js';
import { reportHtml, REPORT_SECTIONS, type ReportSection } from '../src/report/report-html.js';
import type { ReportModel } from '../src/report/report-model.js';
import { vegaBrowserBundle } from '../src/report/vega.js';
import { writeSyntheticRun } from './report-fixture.js';

const here = dirname(fileURLToPath(import.meta.url));
const cli = join(here, '..', 'src', 'cli', 'main.js');
const opts = { user: null, title: 'test report', allowDataChange: false, log: () => {} };
const VEGA = { vegaJs: '/* vega */' };

function sections(html: string): ReportSection[] {
  return [...html.matchAll(/data-section="([a-z-]+)"/g)].map((m) => m[1] as ReportSection);
}

/** The compiled chart specs embedded in the page. */
function figures(html: string): Record<string, unknown> {
  const m = /<script type="application\/json" id="genrec-figures">([\s\S]*?)<\/script>/.exec(html);
  assert.ok(m, 'the page embeds its figures');
  return JSON.parse(m[1]) as Record<string, unknown>;
}

async function withRuns<T>(fn: (root: string) => Promise<T>): Promise<T> {
  const root = mkdtempSync(join(tmpdir(), 'genrec-report-'));
  try {
    return await fn(root);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

test('report: seeds of one configuration form a column with mean ± std and a bootstrap interval', () =>
  withRuns(async (root) => {
    const a = [0, 1, 2].map((s) => join(root, `msl-s${s}`));
    for (const [i, d] of a.entries()) await writeSyntheticRun(d, { seed: i });
    const b = join(root, 'sft-s0');
    await writeSyntheticRun(b, { seed: 0, config: { objective: 'sft' } });
    const model = buildReport([...a, b], opts);
    assert.equal(model.columns.length, 2);
    const [ca, cb] = model.columns;
    assert.deepEqual(ca.seeds, [0, 1, 2]);
    assert.equal(ca.label, 'msl (3 seeds)');
    assert.equal(cb.label, 'sft-s0');
    const nd = ca.metrics['ndcg@10'];
    const seedMeans = a.map((d) => JSON.parse(readFileSync(join(d, 'results.json'), 'utf8')).metrics.test['ndcg@10']);
    const m = seedMeans.reduce((x, y) => x + y, 0) / 3;
    const sd = Math.sqrt(seedMeans.reduce((x, y) => x + (y - m) ** 2, 0) / 2);
    assert.ok(Math.abs(nd.mean - m) < 1e-12 && Math.abs(nd.std - sd) < 1e-12, 'mean ± sample std over seeds');
    assert.equal(nd.n, 3);
    assert.ok(nd.lo !== undefined && nd.hi !== undefined && nd.lo <= nd.mean && nd.mean <= nd.hi, 'bootstrap CI');
    assert.equal(cb.metrics['ndcg@10'].n, 1);
    assert.equal(cb.metrics['ndcg@10'].lo, undefined, 'one seed: no interval');
    assert.equal(ca.curves.find((c) => c.key === 'loss')?.points.length, 9, 'one loss line per seed');

    const html = reportHtml(model, VEGA);
    assert.deepEqual(sections(html), ['comparison', 'configuration', 'curves', 'metrics']);
    assert.match(html, /mean ± std \(3 seeds\)/);
    assert.ok(html.includes(`${nd.mean.toFixed(4)} ± ${nd.std.toFixed(4)}`), 'the mean ± std cell');
    assert.ok(html.includes(`[${nd.lo.toFixed(4)}, ${nd.hi.toFixed(4)}]`), 'the interval cell');
    assert.match(html, /<tr class="differs"><td>objective<\/td><td>msl<\/td>/, 'the differing setting is marked');
    for (const d of [...a, b]) assert.ok(html.includes(d), `run ${d} named`);
    assert.match(html, /f00dfeed/, 'data set fingerprint');
    assert.ok(html.includes(ca.codeVersions[0]), 'code version');
    // figures: the comparison and 3 curves (loss, validation, epoch seconds) per column, each compiled to Vega
    assert.equal(Object.keys(figures(html)).length, 1 + 3 + 3);
    assert.doesNotMatch(html, /reward|zero-advantage/, 'no RL curves without RL logs');
  }));

test('report: RL series, list metrics and pruning diagnostics appear when the runs have them', () =>
  withRuns(async (root) => {
    const rl = join(root, 'rl-s0');
    await writeSyntheticRun(rl, { seed: 0, rl: true, list: true, pruning: true });
    const rl1 = join(root, 'rl-s1');
    await writeSyntheticRun(rl1, { seed: 1, rl: true, list: true, pruning: true });
    const plain = join(root, 'plain-s0');
    await writeSyntheticRun(plain, { seed: 0, config: { objective: 'sft' } });
    const model = buildReport([rl, rl1, plain], opts);
    const [c, p] = model.columns;
    assert.deepEqual(
      c.curves.map((x) => x.key),
      ['loss', 'validation', 'logs.reward', 'logs.kl', 'logs.zeroAdvantageShare', 'seconds'],
    );
    assert.deepEqual(
      c.curves.find((x) => x.key === 'logs.zeroAdvantageShare')?.points.map((x) => [x.seed, x.epoch, x.value]),
      [
        [0, 1, 0.5],
        [0, 2, 0.4],
        [0, 3, 0.3],
        [1, 1, 0.5],
        [1, 2, 0.4],
        [1, 3, 0.3],
      ],
    );
    assert.ok(c.listMetrics?.['list-ndcg@10'] !== undefined && p.listMetrics === undefined);
    assert.ok(c.pruning && p.pruning === undefined);
    const pr10 = c.pruning.rows.find((r) => r.k === 10);
    assert.ok(pr10);
    assert.equal(pr10.cases, 20, 'cases pooled over seeds');
    assert.equal(pr10.pruned, 2 + 3, 'pruned pooled over seeds');
    assert.ok(pr10.lo < 0.25 && 0.25 < pr10.hi, 'Wilson interval around the pooled rate');
    const html = reportHtml(model, VEGA);
    assert.deepEqual(sections(html), ['comparison', 'configuration', 'curves', 'metrics', 'pruning', 'list-metrics']);
    const specs = JSON.stringify(figures(html));
    for (const t of ['reward', 'KL to the reference', 'zero-advantage share']) assert.ok(specs.includes(t), t);
    assert.match(html, /no pruning diagnostics/, 'the column without diagnostics says so');
  }));

test('report: the page is self-contained (nothing fetched from another host)', () =>
  withRuns(async (root) => {
    const d = join(root, 'r-s0');
    await writeSyntheticRun(d, { seed: 0 });
    const html = reportHtml(buildReport([d], opts), { vegaJs: vegaBrowserBundle() });
    assert.ok(html.length > 300_000, 'Vega is inlined');
    const external = /<[a-z]+\s[^>]*\b(?:src|href)\s*=\s*["']?(?:https?:)?\/\//gi;
    assert.deepEqual(html.match(external), null, 'no element loads from an http(s) address');
    assert.doesNotMatch(html, /<script[^>]*\bsrc=/i, 'no external script');
    assert.doesNotMatch(html, /<link\b/i, 'no linked style sheet');
    assert.doesNotMatch(html, /url\(\s*["']?(?:https?:)?\/\//i, 'no remote CSS url()');
    assert.doesNotMatch(html, /@import/i);
    // the check can fail: a page that loads Vega from a CDN is caught
    const cdn = html.replace('<script>', '<script src="https://cdn.jsdelivr.net/npm/vega@6"></script><script>');
    assert.notEqual(cdn.match(external), null);
  }));

test('report: the beam tree and missing data fail or disappear as documented', () =>
  withRuns(async (root) => {
    const none = join(root, 'nothing');
    assert.throws(() => buildReport([none], opts), /nothing has no results\.json/);
    assert.throws(() => buildReport([], opts), /at least one run/);
    const d = join(root, 'r-s0');
    await writeSyntheticRun(d, { seed: 0 });
    assert.throws(() => buildReport([d, d], opts), /same run configuration and seed/);
    const empty: ReportModel = { title: 't', generated: 'now', codeVersion: 'v', columns: [] };
    assert.throws(() => reportHtml(empty, VEGA), /no runs/);
  }));

test('genrec report: options are checked and name the key; --tree false writes a page without decoding', () =>
  withRuns(async (root) => {
    const d = join(root, 'r-s0');
    await writeSyntheticRun(d, { seed: 0 });
    const run = (...args: string[]) => spawnSync(process.execPath, [cli, 'report', ...args], { encoding: 'utf8' });
    const noRuns = run('--out', join(root, 'x.html'));
    assert.equal(noRuns.status, 1);
    assert.match(noRuns.stderr, /report: needs at least 1 RUN argument/);
    assert.match(run(d, '--user', 'first').stderr, /--user must be an integer ≥ 0, got 'first'/);
    assert.match(run(d, '--users', '3').stderr, /unknown option --users/);
    assert.match(run(d, '--tree=maybe').stderr, /--tree must be true or false/);
    const out = join(root, 'page.html');
    const ok = run(d, '--tree', 'false', '--out', out, '--title', 'Synthetic');
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stdout, /report: .*page\.html \(\d+ KiB, 1 column\(s\)\)/);
    assert.ok(existsSync(out));
    const html = readFileSync(out, 'utf8');
    assert.match(html, /<title>Synthetic<\/title>/);
    assert.ok(!sections(html).includes('beam-tree'));
    // the default tries to decode test row 0, which needs the model: a synthetic run has none
    const tree = run(d, '--out', join(root, 'tree.html'));
    assert.equal(tree.status, 1);
    assert.match(tree.stderr, /missing model\.safetensors/);
    assert.ok(REPORT_SECTIONS.includes('beam-tree'));
  }));
