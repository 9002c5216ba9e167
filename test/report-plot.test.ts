// SVG bar figures: axis scaling, bar heights and whiskers at the right coordinates, missing values, escaping, and
// loud errors for malformed panels.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { barFigureSvg, figureLayout, niceStep, panelTop, type BarPanel } from '../src/report/plot.js';

/** Attributes of every `<tag …/>` element of `svg` with the given class. */
function elements(svg: string, tag: string, cls: string): Record<string, string>[] {
  const out: Record<string, string>[] = [];
  for (const m of svg.matchAll(new RegExp(`<${tag} class="${cls}"([^>]*)/>`, 'g'))) {
    const attrs: Record<string, string> = {};
    for (const a of m[1].matchAll(/([\w-]+)="([^"]*)"/g)) attrs[a[1]] = a[2];
    out.push(attrs);
  }
  return out;
}

test('niceStep and panelTop pick round axis limits above every bar and whisker', () => {
  assert.equal(niceStep(1), 0.2);
  assert.ok(Math.abs(niceStep(0.41) - 0.1) < 1e-12);
  assert.ok(Math.abs(niceStep(0.0123) - 0.005) < 1e-12);
  assert.equal(niceStep(0), 1);
  const p: BarPanel = {
    title: 't',
    yLabel: 'y',
    series: ['a', 'b'],
    groups: [{ label: 'g', bars: [{ value: 0.3 }, { value: 0.12, lo: 0.05, hi: 0.41 }] }],
  };
  assert.ok(Math.abs(panelTop(p) - 0.5) < 1e-12);
  assert.equal(panelTop({ ...p, yMax: 2 }), 2);
  assert.throws(() => panelTop({ ...p, yMax: 0 }), /yMax/);
  assert.equal(panelTop({ ...p, groups: [{ label: 'g', bars: [null, { value: NaN }] }] }), 1);
});

test('bars and whiskers are drawn to scale; a missing value draws no bar', () => {
  const panel: BarPanel = {
    title: 'PR@K <pooled>',
    yLabel: 'rate',
    series: ['SFT', 'M&L'],
    yMax: 1,
    groups: [
      { label: 'K=5', bars: [{ value: 0.5, lo: 0.25, hi: 0.75 }, { value: 0.1 }] },
      { label: 'K=10', bars: [{ value: NaN }, { value: 1 }] },
    ],
  };
  const opts = { panelWidth: 400, panelHeight: 200 };
  const svg = barFigureSvg([panel], opts);
  const box = figureLayout(1, opts).boxes[0];
  const bars = elements(svg, 'rect', 'bar');
  assert.equal(bars.length, 3, 'the NaN bar is not drawn');
  const byKey = new Map(bars.map((b) => [`${b['data-group']}/${b['data-series']}`, b]));
  const h = (k: string): number => Number(byKey.get(k)!.height);
  assert.ok(Math.abs(h('K=5/SFT') - 100) < 0.02, `half the plot height, got ${h('K=5/SFT')}`);
  assert.ok(Math.abs(h('K=5/M&amp;L') - 20) < 0.02);
  assert.ok(Math.abs(h('K=10/M&amp;L') - 200) < 0.02);
  for (const b of bars)
    assert.ok(Math.abs(Number(b.y) + Number(b.height) - (box.y0 + box.height)) < 0.02, 'on the axis');
  // the whisker spans lo..hi: y of 0.25 and 0.75 in a 200-px plot from y0
  const [w] = elements(svg, 'path', 'whisker');
  assert.match(w.d, new RegExp(`V${box.y0 + 50}(\\D|$)`));
  assert.match(w.d, new RegExp(`,${box.y0 + 150}(\\D|$)`));
  assert.equal(elements(svg, 'path', 'whisker').length, 1, 'only bars with an interval get a whisker');
  // text is escaped, the document is one svg element
  assert.ok(svg.includes('PR@K &lt;pooled&gt;'));
  assert.ok(!svg.includes('<pooled>'));
  assert.equal(svg.match(/<svg /g)?.length, 1);
  assert.ok(svg.trimEnd().endsWith('</svg>'));
  assert.ok(svg.includes('>0.500<') && svg.includes('>–<'));
});

test('malformed figures fail loudly with the panel and group', () => {
  const p: BarPanel = { title: 'P', yLabel: 'y', series: ['a', 'b'], groups: [{ label: 'G', bars: [{ value: 1 }] }] };
  assert.throws(() => barFigureSvg([p]), /panel 'P', group 'G': 1 bars for 2 series/);
  assert.throws(() => barFigureSvg([]), /at least one panel/);
  assert.throws(() => barFigureSvg([{ ...p, series: [], groups: [] }]), /no series/);
});
