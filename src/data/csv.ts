/**
 * A small RFC-4180 CSV parser: comma separator, fields optionally wrapped in double quotes, `""` inside a quoted
 * field is one quote, quoted fields may contain commas and line breaks. Lines end in LF or CRLF (a lone CR is
 * also accepted as a break). A leading UTF-8 BOM is skipped. Blank lines are skipped. Malformed quoting fails
 * loudly with a DataError naming the file, line and column.
 */
import { DataError } from './errors.js';

export interface CsvRow {
  /** 1-based line number where the row starts. */
  line: number;
  fields: string[];
}

const QUOTE = 34;
const COMMA = 44;
const LF = 10;
const CR = 13;

/** Yields every non-blank row (the header included) with its starting line number. */
export function* parseCsvRows(text: string, file: string): Generator<CsvRow> {
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const n = text.length;
  let line = 1;
  while (i < n) {
    const rowLine = line;
    const fields: string[] = [];
    // Parse one row.
    for (;;) {
      let value: string;
      if (text.charCodeAt(i) === QUOTE) {
        const quoteLine = line;
        let parts = '';
        let start = i + 1;
        let j = start;
        for (;;) {
          const q = text.indexOf('"', j);
          if (q < 0) {
            throw new DataError(file, quoteLine, `column ${fields.length + 1}`, 'unterminated quoted field');
          }
          if (text.charCodeAt(q + 1) === QUOTE) {
            parts += text.slice(start, q + 1);
            start = q + 2;
            j = start;
            continue;
          }
          parts += text.slice(start, q);
          // count line breaks inside the quoted field
          for (let k = i + 1; k < q; k++) {
            const c = text.charCodeAt(k);
            if (c === LF || (c === CR && text.charCodeAt(k + 1) !== LF)) line++;
          }
          i = q + 1;
          break;
        }
        value = parts;
        const c = i < n ? text.charCodeAt(i) : LF;
        if (c !== COMMA && c !== LF && c !== CR) {
          throw new DataError(file, line, `column ${fields.length + 1}`, 'unexpected character after closing quote');
        }
      } else {
        let j = i;
        while (j < n) {
          const c = text.charCodeAt(j);
          if (c === COMMA || c === LF || c === CR) break;
          if (c === QUOTE) {
            throw new DataError(file, line, `column ${fields.length + 1}`, 'quote inside an unquoted field');
          }
          j++;
        }
        value = text.slice(i, j);
        i = j;
      }
      fields.push(value);
      if (i >= n) break;
      const c = text.charCodeAt(i);
      if (c === COMMA) {
        i++;
        continue;
      }
      // line break
      i += c === CR && text.charCodeAt(i + 1) === LF ? 2 : 1;
      line++;
      break;
    }
    if (fields.length === 1 && fields[0] === '') continue; // blank line
    yield { line: rowLine, fields };
  }
}

/** A parsed CSV with a header row: `col` maps each header name to its column index. */
export interface CsvTable {
  file: string;
  header: string[];
  col: Map<string, number>;
  rows: CsvRow[];
}

/**
 * Parses a CSV whose first non-blank row is the header, and checks that every `required` column is present.
 * Rows with fewer fields than a required column's index fail; extra columns are kept (callers ignore them).
 */
export function parseCsvTable(text: string, file: string, required: readonly string[]): CsvTable {
  const it = parseCsvRows(text, file);
  const first = it.next();
  if (first.done) throw new DataError(file, 1, 'header', 'empty file: expected a header row');
  const header = first.value.fields.map((h) => h.trim());
  const col = new Map<string, number>();
  header.forEach((h, idx) => {
    if (!col.has(h)) col.set(h, idx);
  });
  for (const r of required) {
    if (!col.has(r)) {
      throw new DataError(file, first.value.line, r, `missing column (header has: ${header.join(', ')})`);
    }
  }
  const need = Math.max(-1, ...required.map((r) => col.get(r) ?? -1)) + 1;
  const rows: CsvRow[] = [];
  for (const row of it) {
    if (row.fields.length < need) {
      const missing = required.find((r) => (col.get(r) ?? 0) >= row.fields.length) ?? `column ${need}`;
      throw new DataError(file, row.line, missing, `row has ${row.fields.length} fields, header has ${header.length}`);
    }
    rows.push(row);
  }
  return { file, header, col, rows };
}
