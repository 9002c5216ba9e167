/**
 * Grouped bar charts as standalone SVG files (no dependencies): a figure is a row of panels, each a set of groups
 * (e.g. data sets or cut-offs K) with one bar per series (e.g. methods), optional interval whiskers (a 95% interval,
 * mean ± std) and the value printed above each bar. Colours follow the series' position, so the same method keeps
 * its colour across panels.
 */

/** One bar: a value with an optional interval [lo, hi]. A non-finite value draws no bar and prints '–'. */
export interface Bar {
  value: number;
  lo?: number;
  hi?: number;
}

export interface BarGroup {
  label: string;
  /** One bar per series, in the panel's series order (null: no bar for this series here). */
  bars: (Bar | null)[];
}

export interface BarPanel {
  title: string;
  yLabel: string;
  series: string[];
  groups: BarGroup[];
  /** Top of the y axis (default: a round number above every bar and whisker). */
  yMax?: number;
  /** Decimals of the printed values (default 3). */
  decimals?: number;
}

export interface FigureOptions {
  title?: string;
  /** A line under the panels (e.g. what the whiskers are and the command that made the figure). */
  caption?: string;
  panelWidth?: number;
  panelHeight?: number;
}

/** Okabe-Ito colours (distinguishable with the common colour-vision deficiencies). */
const SERIES_COLOURS = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#F0E442', '#000000'];

const esc = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const f = (x: number): string => (Math.round(x * 100) / 100).toString();

/** A round step (1, 2 or 5 × 10^k) giving about `n` intervals up to `max`. */
export function niceStep(max: number, n = 5): number {
  if (!(max > 0) || !Number.isFinite(max)) return 1;
  const raw = max / n;
  const p = 10 ** Math.floor(Math.log10(raw));
  const m = raw / p;
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
}

/** The y-axis top of a panel: yMax, else the smallest multiple of a nice step above every value and whisker. */
export function panelTop(p: BarPanel): number {
  if (p.yMax !== undefined) {
    if (!(p.yMax > 0)) throw new Error(`plot: panel '${p.title}': yMax must be > 0, got ${p.yMax}`);
    return p.yMax;
  }
  let max = 0;
  for (const g of p.groups)
    for (const b of g.bars) {
      if (!b) continue;
      for (const v of [b.value, b.hi ?? NaN]) if (Number.isFinite(v)) max = Math.max(max, v);
    }
  if (max === 0) return 1;
  const step = niceStep(max);
  return Math.ceil((max * 1.0001) / step) * step;
}

function checkPanel(p: BarPanel): void {
  if (p.series.length === 0) throw new Error(`plot: panel '${p.title}' has no series`);
  for (const g of p.groups)
    if (g.bars.length !== p.series.length)
      throw new Error(
        `plot: panel '${p.title}', group '${g.label}': ${g.bars.length} bars for ${p.series.length} series`,
      );
}

/** Geometry of one panel's plot area (exported for tests). */
export interface PanelLayout {
  x0: number;
  y0: number;
  width: number;
  height: number;
}

/** The SVG elements of one panel inside `box` (its plot area; labels go around it). */
function panelSvg(p: BarPanel, box: PanelLayout): string[] {
  const out: string[] = [];
  const top = panelTop(p);
  const dec = p.decimals ?? 3;
  const yOf = (v: number): number => box.y0 + box.height - (Math.max(0, Math.min(v, top)) / top) * box.height;
  out.push(
    `<text x="${f(box.x0 + box.width / 2)}" y="${f(box.y0 - 22)}" text-anchor="middle" font-size="14" font-weight="bold">${esc(p.title)}</text>`,
  );
  // y axis with ticks and grid lines
  const step = niceStep(top);
  for (let i = 0; i * step <= top * 1.0001; i++) {
    const v = i * step;
    const y = yOf(v);
    out.push(
      `<line x1="${f(box.x0)}" y1="${f(y)}" x2="${f(box.x0 + box.width)}" y2="${f(y)}" stroke="#ddd" stroke-width="1"/>`,
    );
    const label = Number(v.toPrecision(6)).toString();
    out.push(`<text x="${f(box.x0 - 6)}" y="${f(y + 4)}" text-anchor="end" font-size="11">${label}</text>`);
  }
  out.push(
    `<line x1="${f(box.x0)}" y1="${f(box.y0)}" x2="${f(box.x0)}" y2="${f(box.y0 + box.height)}" stroke="#333"/>`,
    `<line x1="${f(box.x0)}" y1="${f(box.y0 + box.height)}" x2="${f(box.x0 + box.width)}" y2="${f(box.y0 + box.height)}" stroke="#333"/>`,
    `<text transform="translate(${f(box.x0 - 48)},${f(box.y0 + box.height / 2)}) rotate(-90)" text-anchor="middle" font-size="12">${esc(p.yLabel)}</text>`,
  );
  // groups of bars
  const G = Math.max(1, p.groups.length);
  const S = p.series.length;
  const groupW = box.width / G;
  const barW = (groupW * 0.8) / S;
  p.groups.forEach((g, gi) => {
    const gx = box.x0 + gi * groupW + groupW * 0.1;
    g.bars.forEach((b, si) => {
      const x = gx + si * barW;
      const cx = x + barW / 2;
      if (!b || !Number.isFinite(b.value)) {
        out.push(`<text x="${f(cx)}" y="${f(box.y0 + box.height - 4)}" text-anchor="middle" font-size="10">–</text>`);
        return;
      }
      const y = yOf(b.value);
      out.push(
        `<rect class="bar" data-series="${esc(p.series[si])}" data-group="${esc(g.label)}" data-value="${b.value}" x="${f(x + 1)}" y="${f(y)}" width="${f(Math.max(1, barW - 2))}" height="${f(box.y0 + box.height - y)}" fill="${SERIES_COLOURS[si % SERIES_COLOURS.length]}"/>`,
      );
      let labelY = y;
      if (b.lo !== undefined && b.hi !== undefined && Number.isFinite(b.lo) && Number.isFinite(b.hi)) {
        const [ylo, yhi] = [yOf(b.lo), yOf(b.hi)];
        const w = Math.min(6, barW / 3);
        out.push(
          `<path class="whisker" d="M${f(cx)},${f(ylo)}V${f(yhi)}M${f(cx - w)},${f(ylo)}H${f(cx + w)}M${f(cx - w)},${f(yhi)}H${f(cx + w)}" stroke="#222" stroke-width="1.2" fill="none"/>`,
        );
        labelY = Math.min(labelY, yhi);
      }
      out.push(
        `<text x="${f(cx)}" y="${f(labelY - 4)}" text-anchor="middle" font-size="9">${b.value.toFixed(dec)}</text>`,
      );
    });
    out.push(
      `<text x="${f(box.x0 + gi * groupW + groupW / 2)}" y="${f(box.y0 + box.height + 16)}" text-anchor="middle" font-size="12">${esc(g.label)}</text>`,
    );
  });
  // legend under the group labels
  let lx = box.x0;
  const ly = box.y0 + box.height + 34;
  p.series.forEach((s, si) => {
    out.push(
      `<rect x="${f(lx)}" y="${f(ly - 9)}" width="10" height="10" fill="${SERIES_COLOURS[si % SERIES_COLOURS.length]}"/>`,
      `<text x="${f(lx + 14)}" y="${f(ly)}" font-size="11">${esc(s)}</text>`,
    );
    lx += 24 + 7 * s.length;
  });
  return out;
}

/** Panel plot areas of a figure, left to right. */
export function figureLayout(
  n: number,
  opts: FigureOptions = {},
): { width: number; height: number; boxes: PanelLayout[] } {
  const pw = opts.panelWidth ?? 360;
  const ph = opts.panelHeight ?? 240;
  const left = 70;
  const gap = 80;
  const top = opts.title ? 70 : 44;
  const boxes = Array.from({ length: n }, (_, i) => ({ x0: left + i * (pw + gap), y0: top, width: pw, height: ph }));
  const width = left + n * pw + (n - 1) * gap + 30;
  const height = top + ph + 56 + (opts.caption ? 22 : 0);
  return { width, height, boxes };
}

/** A standalone SVG document with the panels side by side. */
export function barFigureSvg(panels: BarPanel[], opts: FigureOptions = {}): string {
  if (panels.length === 0) throw new Error('plot: a figure needs at least one panel');
  for (const p of panels) checkPanel(p);
  const { width, height, boxes } = figureLayout(panels.length, opts);
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
  ];
  if (opts.title)
    parts.push(
      `<text x="${f(width / 2)}" y="24" text-anchor="middle" font-size="16" font-weight="bold">${esc(opts.title)}</text>`,
    );
  panels.forEach((p, i) => parts.push(...panelSvg(p, boxes[i])));
  if (opts.caption)
    parts.push(`<text x="10" y="${f(height - 10)}" font-size="11" fill="#444">${esc(opts.caption)}</text>`);
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}
