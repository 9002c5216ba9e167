// Figures as Vega-Lite specs rendered to SVG in Node (the path docs and bench figures take; the report draws the same
// specs in the page): bars to scale with whiskers, a missing value draws no bar and prints '–', colours follow the
// series, text is escaped, malformed panels fail loudly; a training curve draws one line per seed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { barFigureSpec, SERIES_COLOURS, type BarPanel } from '../src/report/bars.js';
import { curveSpec } from '../src/report/curves.js';
import { chartSvg } from '../src/report/vega.js';

/** The `<path …>` elements inside the SVG group with class `cls` (one group per layer of a panel). */
function paths(svg: string, cls: RegExp): Record<string, string>[] {
  const out: Record<string, string>[] = [];
  for (const g of svg.matchAll(/<g class="([^"]*)"[^>]*>((?:<path[^>]*\/>)*)<\/g>/g)) {
    if (!cls.test(g[1])) continue;
    for (const p of g[2].matchAll(/<path([^>]*)\/>/g)) {
      const attrs: Record<string, string> = {};
      for (const a of p[1].matchAll(/([\w-]+)="([^"]*)"/g)) attrs[a[1]] = a[2];
      out.push(attrs);
    }
  }
  return out;
}

/** [x, y, width, height] of a rect path `M x,y h w v h h -w Z`. */
function rect(d: string): number[] {
  const m = /^M([\d.e-]+),([\d.e-]+)h([\d.e-]+)v([\d.e-]+)h/.exec(d);
  assert.ok(m, `a rect path: ${d}`);
  return m.slice(1, 5).map(Number);
}

test('bars and whiskers are drawn to scale; a missing value draws no bar', async () => {
  const panel: BarPanel = {
    title: 'PR@K <pooled>',
    yLabel: 'rate',
    series: ['SFT', 'M&L'],
    yMax: 1,
    groups: [
      { label: 'K=5', bars: [{ value: 0.5, lo: 0.25, hi: 0.75 }, { value: 0.1 }] },
      { label: 'K=10', bars: [{ value: NaN }, null] },
      { label: 'K=20', bars: [null, { value: 1 }] },
    ],
  };
  const svg = await chartSvg(barFigureSpec([panel], { panelWidth: 400, panelHeight: 200, title: 'T', caption: 'c' }));
  const bars = paths(svg, /role-mark concat_0_layer_0_marks/);
  assert.equal(bars.length, 3, 'the NaN and null bars are not drawn');
  const byLabel = new Map(
    bars.map((b) => [b['aria-label'].replace(/; rate:.*series: /, '/').replace(/; value.*/, ''), b]),
  );
  const h = (k: string): number => rect(byLabel.get(k)?.d ?? '')[3];
  assert.ok(Math.abs(h('group: K=5/SFT') - 100) < 0.02, `half the plot height, got ${h('group: K=5/SFT')}`);
  assert.ok(Math.abs(h('group: K=5/M&amp;L') - 20) < 0.02);
  assert.ok(Math.abs(h('group: K=20/M&amp;L') - 200) < 0.02);
  for (const b of bars) {
    const [, y, , height] = rect(b.d);
    assert.ok(Math.abs(y + height - 200) < 0.02, 'on the axis');
  }
  assert.equal(byLabel.get('group: K=5/SFT')?.fill, SERIES_COLOURS[0]);
  assert.equal(byLabel.get('group: K=5/M&amp;L')?.fill, SERIES_COLOURS[1]);
  // one whisker (the only bar with an interval): its caps at y(0.75) = 50 and y(0.25) = 150
  const caps = paths(svg, /role-mark concat_0_layer_1_layer_[01]_marks/).map((p) => {
    const [, y, , height] = rect(p.d);
    return Math.round((y + height / 2) * 100) / 100; // a cap's centre line
  });
  assert.deepEqual(
    caps.sort((a, b) => a - b),
    [50, 150],
  );
  // values printed above the bars, '–' where there is none; text escaped; one SVG document
  assert.ok(svg.includes('>0.500<') && svg.includes('>–<'));
  assert.ok(svg.includes('PR@K &lt;pooled&gt;') && !svg.includes('<pooled>'));
  assert.equal(svg.match(/<svg /g)?.length, 1);
  assert.ok(svg.trimEnd().endsWith('</svg>'));
});

test('malformed figures fail loudly with the panel and group', () => {
  const p: BarPanel = { title: 'P', yLabel: 'y', series: ['a', 'b'], groups: [{ label: 'G', bars: [{ value: 1 }] }] };
  assert.throws(() => barFigureSpec([p]), /panel 'P', group 'G': 1 bars for 2 series/);
  assert.throws(() => barFigureSpec([]), /at least one panel/);
  assert.throws(() => barFigureSpec([{ ...p, series: [], groups: [] }]), /no series/);
  assert.throws(() => barFigureSpec([{ ...p, groups: [], yMax: 0 }]), /yMax must be > 0/);
});

test('a training curve draws one line per seed over the epochs', async () => {
  const points = [0, 1].flatMap((seed) => [1, 2, 3].map((epoch) => ({ seed, epoch, value: 1 / epoch + seed })));
  const svg = await chartSvg(curveSpec({ key: 'loss', title: 'training loss', points }));
  const lines = paths(svg, /mark-line role-mark/);
  assert.equal(lines.length, 2, 'one line per seed');
  assert.deepEqual(
    lines.map((l) => l.stroke),
    SERIES_COLOURS.slice(0, 2),
  );
  assert.ok(svg.includes('training loss') && svg.includes('seed 1'));
});
