import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseCsvRows, parseCsvTable } from '../src/data/csv.js';
import { throwsData } from './data-fixtures.js';

const rows = (text: string) => [...parseCsvRows(text, 'x.csv')].map((r) => [r.line, r.fields] as const);

describe('parseCsvRows', () => {
  it('splits plain rows and numbers lines', () => {
    assert.deepEqual(rows('a,b\n1,2\n3,4\n'), [
      [1, ['a', 'b']],
      [2, ['1', '2']],
      [3, ['3', '4']],
    ]);
  });
  it('handles quoted commas, escaped quotes and empty fields', () => {
    assert.deepEqual(rows('"x, y","say ""hi""",,""\n'), [[1, ['x, y', 'say "hi"', '', '']]]);
    assert.deepEqual(rows('a,\n'), [[1, ['a', '']]]);
  });
  it('keeps newlines inside quotes and numbers the following rows by physical line', () => {
    assert.deepEqual(rows('h\n"two\nlines"\n"three\r\nmore\nlines",z\nlast'), [
      [1, ['h']],
      [2, ['two\nlines']],
      [4, ['three\r\nmore\nlines', 'z']],
      [7, ['last']],
    ]);
  });
  it('accepts CRLF, a BOM, blank lines and a missing final newline', () => {
    assert.deepEqual(rows('\ufeffa,b\r\n\r\n1,2\r\n\n3,4'), [
      [1, ['a', 'b']],
      [3, ['1', '2']],
      [5, ['3', '4']],
    ]);
    assert.deepEqual(rows(''), []);
  });
  it('fails on an unterminated quote, naming the line where the field starts', () => {
    throwsData(() => rows('a,b\n1,"open\nstill open'), 'x.csv', 2, 'column 2', /unterminated/);
  });
  it('fails on a quote inside an unquoted field and on text after a closing quote', () => {
    throwsData(() => rows('a,b\n1,x"y\n'), 'x.csv', 2, 'column 2', /quote inside/);
    throwsData(() => rows('a,b\n\n"q"z,1\n'), 'x.csv', 3, 'column 1', /after closing quote/);
  });
});

describe('parseCsvTable', () => {
  it('maps header names to columns and ignores extra columns', () => {
    const t = parseCsvTable('b,a,extra\n1,2,"3,4"\n', 't.csv', ['a', 'b']);
    assert.equal(t.col.get('a'), 1);
    assert.equal(t.col.get('b'), 0);
    assert.deepEqual(t.rows, [{ line: 2, fields: ['1', '2', '3,4'] }]);
  });
  it('fails on a missing column, naming it and line 1', () => {
    throwsData(() => parseCsvTable('a,c\n1,2\n', 't.csv', ['a', 'b']), 't.csv', 1, 'b', /missing column/);
  });
  it('fails on a row too short for a required column', () => {
    throwsData(() => parseCsvTable('a,b\n1,2\n3\n', 't.csv', ['a', 'b']), 't.csv', 3, 'b', /1 fields/);
  });
  it('fails on an empty file', () => {
    throwsData(() => parseCsvTable('', 't.csv', ['a']), 't.csv', 1, 'header', /empty file/);
    throwsData(() => parseCsvTable('\n\n', 't.csv', ['a']), 't.csv', 1, 'header', /empty file/);
  });
});
