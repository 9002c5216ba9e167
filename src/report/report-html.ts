// The report page: one self-contained HTML file (styles, data, Vega's browser bundle and the compiled chart specs all
// inline; nothing is fetched) with the runs side by side: one column per group of runs, one row per section.
// Sections without data in any column are left out. Figures are Vega-Lite specs compiled here and drawn by Vega in the
// page as SVG; the beam tree is nested <details> (expands on click without script).
import { barFigureSpec, type Bar, type BarPanel } from './bars.js';
import { beamTreeHtml } from './beam-tree.js';
import { curveSpec } from './curves.js';
import { escapeHtml, fixed, scriptJson } from './html.js';
import type { ReportColumn, ReportModel, ReportStat } from './report-model.js';
import { compileChart, type ChartSpec, type VegaSpec } from './vega.js';

/** What the page needs besides the model: the text of Vega's browser bundle (./vega.ts vegaBrowserBundle). */
export interface ReportAssets {
  vegaJs: string;
}

/** The sections a page can have, in page order (`data-section` of each). */
export const REPORT_SECTIONS = [
  'comparison',
  'configuration',
  'curves',
  'metrics',
  'pruning',
  'list-metrics',
  'beam-tree',
] as const;
export type ReportSection = (typeof REPORT_SECTIONS)[number];

const STYLE = `
body{font-family:Helvetica,Arial,sans-serif;margin:16px 24px;color:#222}
h1{font-size:22px;margin:0 0 4px} h2{font-size:17px;margin:24px 0 8px;border-bottom:1px solid #ccc;padding-bottom:4px}
.meta{color:#555;font-size:13px}
.cols{display:grid;gap:16px;overflow-x:auto}
.col{min-width:320px;font-size:13px}
.col h3{font-size:14px;margin:0 0 6px;word-break:break-all}
table{border-collapse:collapse;font-size:12px;margin:4px 0}
td,th{border:1px solid #ddd;padding:2px 6px;text-align:left;vertical-align:top}
td.num{text-align:right;font-variant-numeric:tabular-nums}
tr.differs td{background:#fff6d5}
.figure{min-height:40px;margin:4px 0}
.figs{display:flex;flex-wrap:wrap;gap:8px}
.absent{color:#999}
.beam-tree summary{cursor:pointer}
.bt-children{margin-left:18px;border-left:1px dotted #bbb;padding-left:6px}
.bt-leaf{margin-left:14px}
.bt-token{font-family:monospace;background:#f2f2f2;padding:0 3px}
.bt-score{color:#555}
.bt-badge{font-size:11px;border-radius:3px;padding:0 4px;background:#e8e8e8}
.bt-kept>summary .bt-badge{background:#d4edda} .bt-finished .bt-badge{background:#cce5ff}
.bt-pruned .bt-badge{background:#f8d7da}
.bt-target>summary .bt-token,.bt-target.bt-leaf .bt-token,span.bt-target{outline:2px solid #E69F00}
.bt-fell-note{color:#b00;font-weight:bold}
.bt-more{color:#888;margin-left:14px}
.bt-item{color:#0072B2}
`;

const CLIENT = `
(function () {
  var specs = JSON.parse(document.getElementById('genrec-figures').textContent);
  document.querySelectorAll('.figure[data-figure]').forEach(function (el) {
    var view = new vega.View(vega.parse(specs[el.getAttribute('data-figure')]), { renderer: 'svg', container: el, hover: true });
    view.runAsync().then(function () { el.setAttribute('data-rendered', 'true'); }, function (e) {
      el.textContent = 'figure failed: ' + e.message;
      console.error(e);
    });
  });
})();
`;

/** Collects the page's figures: each gets an id, its compiled Vega spec goes into the page's data. */
class Figures {
  readonly specs: Record<string, VegaSpec> = {};
  private n = 0;
  add(spec: ChartSpec, caption: string): string {
    const id = `fig${++this.n}`;
    this.specs[id] = compileChart(spec);
    return `<div class="figure" data-figure="${id}" role="img" aria-label="${escapeHtml(caption)}"></div>`;
  }
}

function statText(s: ReportStat | undefined, decimals: number): string {
  if (s === undefined) return '–';
  return s.n > 1 && Number.isFinite(s.std)
    ? `${fixed(s.mean, decimals)} ± ${fixed(s.std, decimals)}`
    : fixed(s.mean, decimals);
}

function intervalText(s: ReportStat | undefined, decimals: number): string {
  return s?.lo !== undefined && s.hi !== undefined ? `[${fixed(s.lo, decimals)}, ${fixed(s.hi, decimals)}]` : '';
}

function table(headers: string[], rows: string[][], rowClass: (i: number) => string = () => ''): string {
  const head = `<tr>${headers.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr>`;
  const body = rows.map((r, i) => `<tr class="${rowClass(i)}">${r.join('')}</tr>`).join('');
  return `<table><thead>${head}</thead><tbody>${body}</tbody></table>`;
}
const td = (s: string, num = false): string => `<td${num ? ' class="num"' : ''}>${escapeHtml(s)}</td>`;

/** Keys whose value differs between the columns (or is missing in one). */
function differingKeys(cols: readonly ReportColumn[]): Set<string> {
  const keys = new Set(cols.flatMap((c) => Object.keys(c.config)));
  return new Set([...keys].filter((k) => new Set(cols.map((c) => c.config[k])).size > 1));
}

function configCell(c: ReportColumn, differs: Set<string>): string {
  const about: [string, string][] = [
    ['data set', `${c.dataset.name} (${c.dataset.fingerprint})`],
    ['protocol', c.dataset.protocol],
    ['code version', c.codeVersions.join(', ')],
    ['trained', c.timestamps.join(', ')],
    ['seeds', c.seeds.join(', ')],
    ['best epoch', c.bestEpochs.join(', ')],
  ];
  if (c.secondsPerEpoch) about.push(['train s/epoch', statText(c.secondsPerEpoch, 1)]);
  const first = table(
    ['', ''],
    about.map(([k, v]) => [td(k), td(v)]),
  );
  const keys = Object.keys(c.config).sort();
  const diff = keys.filter((k) => differs.has(k));
  const diffTable =
    diff.length > 0
      ? `<p>Settings that differ between the columns:</p>${table(
          ['key', 'value'],
          diff.map((k) => [td(k), td(c.config[k])]),
          () => 'differs',
        )}`
      : '';
  const all = `<details class="config-all"><summary>All ${keys.length} settings</summary>${table(
    ['key', 'value'],
    keys.map((k) => [td(k), td(c.config[k])]),
    (i) => (differs.has(keys[i]) ? 'differs' : ''),
  )}</details>`;
  return first + diffTable + all;
}

function metricsCell(c: ReportColumn): string {
  const keys = Object.keys(c.metrics);
  const seeds = c.seeds.length;
  const headers = ['metric', seeds > 1 ? `mean ± std (${seeds} seeds)` : 'value', '95% bootstrap CI'];
  if (c.popularity) headers.push('most popular');
  const rows = keys.map((k) => {
    const r = [td(k), td(statText(c.metrics[k], 4), true), td(intervalText(c.metrics[k], 4), true)];
    if (c.popularity) r.push(td(c.popularity[k] === undefined ? '–' : fixed(c.popularity[k], 4), true));
    return r;
  });
  return table(headers, rows);
}

function listCell(c: ReportColumn): string {
  if (!c.listMetrics) return '<p class="absent">no list metrics</p>';
  return table(
    ['metric', 'value', '95% bootstrap CI'],
    Object.entries(c.listMetrics).map(([k, s]) => [td(k), td(statText(s, 4), true), td(intervalText(s, 4), true)]),
  );
}

function pruningCell(c: ReportColumn): string {
  const p = c.pruning;
  if (!p) return '<p class="absent">no pruning diagnostics (bench scoring or a cached diagnose writes them)</p>';
  const rows = p.rows.map((r) => [
    td(String(r.k), true),
    td(String(r.cases), true),
    td(String(r.pruned), true),
    td(`${fixed(r.rate, 3)} [${fixed(r.lo, 3)}, ${fixed(r.hi, 3)}]`, true),
    td(statText(r.necessaryShare, 3), true),
    td(statText(r.beamNdcg, 4), true),
    td(statText(r.exactNdcg, 4), true),
    td(statText(r.beamHr, 4), true),
    td(statText(r.exactHr, 4), true),
  ]);
  return (
    `<p>${p.users} test users per seed, beam ${p.beamWidth}. PR@K pooled over seeds with its 95% Wilson interval.</p>` +
    table(
      ['K', 'cases', 'pruned', 'PR@K', 'necessary share', 'beam NDCG@K', 'exact NDCG@K', 'beam HR@K', 'exact HR@K'],
      rows,
    )
  );
}

/** The comparison figure: the columns' headline test metrics (whiskers: bootstrap CI, else ± std over seeds). */
function comparisonSpec(cols: readonly ReportColumn[]): ChartSpec | null {
  const keys = [...new Set(cols.flatMap((c) => Object.keys(c.metrics)))].filter((k) => /^(ndcg|hr)@\d+$/.test(k));
  if (keys.length === 0) return null;
  const bar = (s: ReportStat | undefined): Bar | null => {
    if (!s) return null;
    if (s.lo !== undefined && s.hi !== undefined) return { value: s.mean, lo: s.lo, hi: s.hi };
    return s.n > 1 && Number.isFinite(s.std)
      ? { value: s.mean, lo: s.mean - s.std, hi: s.mean + s.std }
      : { value: s.mean };
  };
  const panel = (prefix: string): BarPanel => ({
    title: `test ${prefix.toUpperCase()}@K`,
    yLabel: prefix.toUpperCase(),
    series: cols.map((c) => c.label),
    decimals: 3,
    groups: keys
      .filter((k) => k.startsWith(`${prefix}@`))
      .map((k) => ({ label: k, bars: cols.map((c) => bar(c.metrics[k])) })),
  });
  const panels = ['ndcg', 'hr'].map(panel).filter((p) => p.groups.length > 0);
  return barFigureSpec(panels, { panelWidth: Math.max(220, 70 * cols.length * 2), panelHeight: 200 });
}

function section(id: ReportSection, title: string, body: string): string {
  return `<section class="report-section" data-section="${id}"><h2>${escapeHtml(title)}</h2>\n${body}\n</section>`;
}

function columnsRow(cols: readonly ReportColumn[], cell: (c: ReportColumn) => string): string {
  return `<div class="cols" style="grid-template-columns:repeat(${cols.length},minmax(320px,1fr))">${cols
    .map((c) => `<div class="col"><h3>${escapeHtml(c.label)}</h3>${cell(c)}</div>`)
    .join('')}</div>`;
}

/** The report as one HTML document. */
export function reportHtml(model: ReportModel, assets: ReportAssets): string {
  const cols = model.columns;
  if (cols.length === 0) throw new Error('report: no runs');
  const figs = new Figures();
  const parts: string[] = [];
  const cmp = comparisonSpec(cols);
  if (cmp) parts.push(section('comparison', 'Test metrics at a glance', figs.add(cmp, 'test metrics of every column')));
  const differs = differingKeys(cols);
  parts.push(
    section(
      'configuration',
      'Configuration, data set and code version',
      columnsRow(cols, (c) => configCell(c, differs)),
    ),
  );
  if (cols.some((c) => c.curves.length > 0))
    parts.push(
      section(
        'curves',
        'Training curves (per epoch of the selection run)',
        columnsRow(cols, (c) =>
          c.curves.length === 0
            ? '<p class="absent">no history</p>'
            : `<div class="figs">${c.curves.map((cv) => figs.add(curveSpec(cv), cv.title)).join('')}</div>`,
        ),
      ),
    );
  parts.push(section('metrics', 'Test metrics', columnsRow(cols, metricsCell)));
  if (cols.some((c) => c.pruning))
    parts.push(section('pruning', 'Beam-search pruning diagnostics', columnsRow(cols, pruningCell)));
  if (cols.some((c) => c.listMetrics)) parts.push(section('list-metrics', 'List metrics', columnsRow(cols, listCell)));
  if (cols.some((c) => c.beamTree))
    parts.push(
      section(
        'beam-tree',
        'Beam tree of one test user',
        columnsRow(cols, (c) => (c.beamTree ? beamTreeHtml(c.beamTree) : '<p class="absent">not decoded</p>')),
      ),
    );
  const runs = cols.map((c) => `${escapeHtml(c.label)}: ${c.dirs.map(escapeHtml).join(', ')}`).join('<br>');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(model.title)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>${escapeHtml(model.title)}</h1>
<p class="meta">Made ${escapeHtml(model.generated)} by ${escapeHtml(model.codeVersion)}. Runs:<br>${runs}</p>
${parts.join('\n')}
<script type="application/json" id="genrec-figures">${scriptJson(figs.specs)}</script>
<script>${assets.vegaJs}</script>
<script>${CLIENT}</script>
</body>
</html>
`;
}
