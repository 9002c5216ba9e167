import path from 'node:path';

/**
 * Bad input data. The message always names the file (base name), and the 1-based line and the field when known:
 * `train.csv:17: field item_ids: expected a JSON list of ids`.
 */
export class DataError extends Error {
  readonly file: string;
  readonly line: number | undefined;
  readonly field: string | undefined;
  readonly detail: string;

  constructor(file: string, line: number | undefined, field: string | undefined, detail: string) {
    const where = line === undefined ? path.basename(file) : `${path.basename(file)}:${line}`;
    super(field === undefined ? `${where}: ${detail}` : `${where}: field ${field}: ${detail}`);
    this.name = 'DataError';
    this.file = file;
    this.line = line;
    this.field = field;
    this.detail = detail;
  }
}
