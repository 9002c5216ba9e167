/**
 * Result tables: aligned plain-text tables for the console and Markdown tables for reports. Cells may be strings,
 * numbers (fixed decimals) or `{ mean, std }` (rendered `mean ± std`).
 */

/** A table cell. `null`/`undefined` render as `–`. */
export type Cell = string | number | { mean: number; std: number } | null | undefined;
/** A result row: column key → cell. */
export type Row = Record<string, Cell>;

/** Column description. A bare string is shorthand for `{ key }`. */
export interface Column {
  /** Key into each row. */
  key: string;
  /** Header text (default: the key). */
  header?: string;
  /** Decimals for numbers in this column (default: the table's `decimals`; integers are printed as-is unless set). */
  decimals?: number;
  /** Alignment (default: right for columns whose cells are all numeric, else left). */
  align?: 'left' | 'right';
  /** Mark the best numeric value (by mean) in the column: bold in Markdown, `*` suffix in the console. */
  best?: 'max' | 'min';
}

/** Table options. */
export interface TableOptions {
  /** Default decimals for non-integer numbers. Default 4. */
  decimals?: number;
}

const MISSING = '–';

function isMeanStd(c: Cell): c is { mean: number; std: number } {
  return typeof c === 'object' && c !== null;
}

function formatNumber(x: number, decimals: number | undefined, fallback: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? '∞' : '-∞';
  if (decimals === undefined && Number.isInteger(x)) return String(x);
  return x.toFixed(decimals ?? fallback);
}

/** Render one cell as text (no markup). */
export function formatCell(c: Cell, decimals?: number, fallback = 4): string {
  if (c === null || c === undefined) return MISSING;
  if (typeof c === 'string') return c;
  if (typeof c === 'number') return formatNumber(c, decimals, fallback);
  const d = decimals ?? fallback;
  const mean = formatNumber(c.mean, d, fallback);
  return Number.isFinite(c.std) ? `${mean} ± ${formatNumber(c.std, d, fallback)}` : mean;
}

function normalise(columns: readonly (string | Column)[]): Column[] {
  if (columns.length === 0) throw new Error('table needs at least one column');
  return columns.map((c) => (typeof c === 'string' ? { key: c } : c));
}

function numericValue(c: Cell): number | undefined {
  if (typeof c === 'number') return c;
  if (isMeanStd(c)) return c.mean;
  return undefined;
}

interface Rendered {
  headers: string[];
  cells: string[][];
  right: boolean[];
  best: boolean[][];
}

function render(rows: readonly Row[], columns: readonly (string | Column)[], opts: TableOptions): Rendered {
  const cols = normalise(columns);
  const fallback = opts.decimals ?? 4;
  const headers = cols.map((c) => c.header ?? c.key);
  const cells = rows.map((r) => cols.map((c) => formatCell(r[c.key], c.decimals, fallback)));
  const right = cols.map(
    (c) =>
      c.align === 'right' ||
      (c.align === undefined &&
        rows.some((r) => numericValue(r[c.key]) !== undefined) &&
        rows.every((r) => r[c.key] === null || r[c.key] === undefined || numericValue(r[c.key]) !== undefined)),
  );
  const best = rows.map(() => cols.map(() => false));
  cols.forEach((c, j) => {
    if (!c.best) return;
    const vals = rows.map((r) => numericValue(r[c.key])).filter((v): v is number => v !== undefined && !isNaN(v));
    if (vals.length === 0) return;
    const target = c.best === 'max' ? Math.max(...vals) : Math.min(...vals);
    rows.forEach((r, i) => {
      if (numericValue(r[c.key]) === target) best[i][j] = true;
    });
  });
  return { headers, cells, right, best };
}

function pad(s: string, width: number, right: boolean): string {
  const len = [...s].length;
  const fill = ' '.repeat(Math.max(0, width - len));
  return right ? fill + s : s + fill;
}

/** Aligned plain-text table (two spaces between columns, a dashed rule under the header). */
export function formatConsoleTable(
  rows: readonly Row[],
  columns: readonly (string | Column)[],
  opts: TableOptions = {},
): string {
  const { headers, cells, right, best } = render(rows, columns, opts);
  const marked = cells.map((row, i) => row.map((s, j) => (best[i][j] ? s + '*' : s)));
  const widths = headers.map((h, j) => Math.max([...h].length, ...marked.map((r) => [...r[j]].length)));
  const line = (r: string[]): string =>
    r
      .map((s, j) => pad(s, widths[j], right[j]))
      .join('  ')
      .trimEnd();
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...marked.map(line)].join('\n') + '\n';
}

function escapeMd(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/** GitHub-flavoured Markdown table (numeric columns right-aligned; best values in bold). */
export function formatMarkdownTable(
  rows: readonly Row[],
  columns: readonly (string | Column)[],
  opts: TableOptions = {},
): string {
  const { headers, cells, right, best } = render(rows, columns, opts);
  const line = (r: string[]): string => `| ${r.join(' | ')} |`;
  const rule = right.map((r) => (r ? '---:' : '---'));
  const body = cells.map((row, i) => line(row.map((s, j) => (best[i][j] ? `**${escapeMd(s)}**` : escapeMd(s)))));
  return [line(headers.map(escapeMd)), line(rule), ...body].join('\n') + '\n';
}
