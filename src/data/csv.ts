/**
 * A small streaming RFC-4180 CSV parser: comma separator, fields optionally wrapped in double quotes, `""` inside a
 * quoted field is one quote, quoted fields may contain commas and line breaks. Lines end in LF or CRLF (a lone CR is
 * also accepted as a break). A leading UTF-8 BOM is skipped. Blank lines are skipped. Malformed quoting fails
 * loudly with a DataError naming the file, line and column.
 *
 * The input is a sequence of text chunks that may end anywhere (inside a field, between CR and LF, inside a
 * quoted line break): rows and line numbers do not depend on where the chunks end. `readCsvTable` streams a file
 * (textfile.ts) so that its size is not bounded by V8's longest string.
 */
import { DataError } from './errors.js';
import { readTextChunks } from './textfile.js';

export interface CsvRow {
  /** 1-based line number where the row starts. */
  line: number;
  fields: string[];
}

const QUOTE = 34;
const COMMA = 44;
const LF = 10;
const CR = 13;

const enum St {
  /** At the start of a field. */
  Start,
  /** Inside an unquoted field. */
  Bare,
  /** Inside a quoted field. */
  Quoted,
  /** Just after a quote inside a quoted field: `""` (escaped quote) or the closing quote. */
  QuoteSeen,
}

/** Incremental CSV parser: `feed` chunks, then `end`; each returns the rows it completed. */
export class CsvParser {
  private line = 1;
  private rowLine = 1;
  private prevCR = false;
  private first = true;
  private st = St.Start;
  private fields: string[] = [];
  private field = '';
  private quoteLine = 1;
  private emit: (row: CsvRow) => void = () => {};

  constructor(readonly file: string) {}

  private endRow(): void {
    const f = this.fields;
    this.fields = [];
    if (!(f.length === 1 && f[0] === '')) this.emit({ line: this.rowLine, fields: f });
  }

  /** Ends the row at a line break character `c` (outside quotes). */
  private lineBreak(c: number): void {
    this.endRow();
    if (c === CR) {
      this.line++;
      this.prevCR = true;
    } else {
      if (!this.prevCR) this.line++;
      this.prevCR = false;
    }
    this.rowLine = this.line;
  }

  /** Counts the line breaks of `s[from, to)` (inside a quoted field). */
  private countBreaks(s: string, from: number, to: number): void {
    for (let k = from; k < to; k++) {
      const c = s.charCodeAt(k);
      if (c === CR) {
        this.line++;
        this.prevCR = true;
      } else {
        if (c === LF && !this.prevCR) this.line++;
        this.prevCR = false;
      }
    }
  }

  /** Parses the next chunk, calling `emit` for each row it completes. */
  feed(text: string, emit: (row: CsvRow) => void): void {
    this.emit = emit;
    let i = 0;
    if (this.first && text.length > 0) {
      this.first = false;
      if (text.charCodeAt(0) === 0xfeff) i = 1;
    }
    const n = text.length;
    while (i < n) {
      switch (this.st) {
        case St.Start: {
          const c = text.charCodeAt(i);
          if (c === LF && this.prevCR && this.fields.length === 0) {
            // the LF of a CRLF that ended the previous row
            this.prevCR = false;
            i++;
            break;
          }
          if (c === QUOTE) {
            this.st = St.Quoted;
            this.quoteLine = this.line;
            this.prevCR = false;
            i++;
          } else if (c === COMMA) {
            this.fields.push('');
            this.prevCR = false;
            i++;
          } else if (c === LF || c === CR) {
            this.fields.push('');
            this.lineBreak(c);
            i++;
          } else {
            this.st = St.Bare;
            this.field = '';
          }
          break;
        }
        case St.Bare: {
          let j = i;
          let c = 0;
          while (j < n) {
            c = text.charCodeAt(j);
            if (c === COMMA || c === LF || c === CR || c === QUOTE) break;
            j++;
          }
          this.prevCR = false;
          this.field += text.slice(i, j);
          if (j === n) {
            i = n;
            break;
          }
          if (c === QUOTE) {
            throw new DataError(this.file, this.line, `column ${this.fields.length + 1}`, 'quote inside an unquoted field');
          }
          this.fields.push(this.field);
          this.field = '';
          this.st = St.Start;
          if (c !== COMMA) {
            this.lineBreak(c);
          }
          i = j + 1;
          break;
        }
        case St.Quoted: {
          const q = text.indexOf('"', i);
          const to = q < 0 ? n : q;
          this.countBreaks(text, i, to);
          this.field += text.slice(i, to);
          if (q < 0) {
            i = n;
          } else {
            this.st = St.QuoteSeen;
            i = q + 1;
          }
          break;
        }
        case St.QuoteSeen: {
          const c = text.charCodeAt(i);
          this.prevCR = false;
          if (c === QUOTE) {
            this.field += '"';
            this.st = St.Quoted;
            i++;
          } else if (c === COMMA || c === LF || c === CR) {
            this.fields.push(this.field);
            this.field = '';
            this.st = St.Start;
            if (c !== COMMA) {
              this.lineBreak(c);
            }
            i++;
          } else {
            throw new DataError(this.file, this.line, `column ${this.fields.length + 1}`, 'unexpected character after closing quote');
          }
          break;
        }
      }
    }
  }

  /** Ends the input: completes the last row (a file need not end in a line break). */
  end(emit: (row: CsvRow) => void): void {
    this.emit = emit;
    switch (this.st) {
      case St.Quoted:
        throw new DataError(this.file, this.quoteLine, `column ${this.fields.length + 1}`, 'unterminated quoted field');
      case St.Bare:
      case St.QuoteSeen:
        this.fields.push(this.field);
        this.endRow();
        break;
      case St.Start:
        if (this.fields.length > 0) {
          // the text ended right after a comma
          this.fields.push('');
          this.endRow();
        }
        break;
    }
    this.st = St.Start;
    this.field = '';
  }
}

/** Yields every non-blank row (the header included) of a chunked text, with its starting line number. */
export function* parseCsvChunks(chunks: Iterable<string>, file: string): Generator<CsvRow> {
  const p = new CsvParser(file);
  let rows: CsvRow[] = [];
  const push = (r: CsvRow) => rows.push(r);
  for (const c of chunks) {
    p.feed(c, push);
    yield* rows;
    rows = [];
  }
  p.end(push);
  yield* rows;
}

/** Yields every non-blank row (the header included) with its starting line number. */
export function parseCsvRows(text: string, file: string): Generator<CsvRow> {
  return parseCsvChunks([text], file);
}

/** A CSV header: `col` maps each header name to its column index. */
export interface CsvHeader {
  file: string;
  header: string[];
  col: Map<string, number>;
}

/** A parsed CSV with a header row. */
export interface CsvTable extends CsvHeader {
  rows: CsvRow[];
}

function headerOf(first: CsvRow, file: string, required: readonly string[]): CsvHeader {
  const header = first.fields.map((h) => h.trim());
  const col = new Map<string, number>();
  header.forEach((h, idx) => {
    const prev = col.get(h);
    if (prev !== undefined && h !== '') {
      throw new DataError(file, first.line, h, `duplicate column (columns ${prev + 1} and ${idx + 1} of the header)`);
    }
    if (prev === undefined) col.set(h, idx);
  });
  for (const r of required) {
    if (!col.has(r)) throw new DataError(file, first.line, r, `missing column (header has: ${header.join(', ')})`);
  }
  return { file, header, col };
}

/**
 * Streams a CSV whose first non-blank row is the header: checks that every `required` column is present and that
 * no column name occurs twice, then calls `onRow` for each data row. Rows with fewer fields than a required
 * column's index fail; extra columns are kept (callers ignore them). Returns the header and the data row count.
 */
export function forEachCsvRecord(
  chunks: Iterable<string>,
  file: string,
  required: readonly string[],
  onRow: (row: CsvRow, table: CsvHeader) => void,
): CsvHeader & { rows: number } {
  let table: CsvHeader | undefined;
  let need = 0;
  let rows = 0;
  const onParsed = (row: CsvRow): void => {
    if (table === undefined) {
      table = headerOf(row, file, required);
      need = Math.max(-1, ...required.map((r) => (table as CsvHeader).col.get(r) ?? -1)) + 1;
      return;
    }
    if (row.fields.length < need) {
      const col = table.col;
      const missing = required.find((r) => (col.get(r) ?? 0) >= row.fields.length) ?? `column ${need}`;
      throw new DataError(file, row.line, missing, `row has ${row.fields.length} fields, header has ${table.header.length}`);
    }
    rows++;
    onRow(row, table);
  };
  const p = new CsvParser(file);
  for (const c of chunks) p.feed(c, onParsed);
  p.end(onParsed);
  if (table === undefined) throw new DataError(file, 1, 'header', 'empty file: expected a header row');
  return { ...table, rows };
}

/** `forEachCsvRecord` over a whole text, collecting the rows. */
export function parseCsvTable(text: string, file: string, required: readonly string[]): CsvTable {
  const rows: CsvRow[] = [];
  const h = forEachCsvRecord([text], file, required, (r) => rows.push(r));
  return { file, header: h.header, col: h.col, rows };
}

/** `forEachCsvRecord` over a file read in chunks (`chunkSize` bytes; default textReadSettings.chunkSize). */
export function readCsvTable(
  file: string,
  required: readonly string[],
  onRow: (row: CsvRow, table: CsvHeader) => void,
  chunkSize?: number,
): CsvHeader & { rows: number } {
  return forEachCsvRecord(readTextChunks(file, chunkSize), file, required, onRow);
}
