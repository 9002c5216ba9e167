// Shared by the loader tests: throw-away data directories, and the check that a load fails with a DataError naming
// file, line and field (and saying them first in its message).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after } from 'node:test';
import { DataError } from '../src/data/errors.js';

/** A writer of fixture directories under one temporary root, removed after the test file. */
export function fixtureDirs(prefix: string): (files: Record<string, string | Buffer>) => string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  after(() => fs.rmSync(root, { recursive: true, force: true }));
  let count = 0;
  return (files) => {
    const dir = path.join(root, `f${count++}`);
    fs.mkdirSync(dir);
    for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
    return dir;
  };
}

export function throwsData(
  fn: () => unknown,
  file: string,
  line: number | undefined,
  field: string | undefined,
  re?: RegExp,
): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof DataError, `expected DataError, got ${String(e)}`);
    assert.equal(path.basename(e.file), file, e.message);
    assert.equal(e.line, line, e.message);
    assert.equal(e.field, field, e.message);
    const where = line === undefined ? file : `${file}:${line}`;
    assert.ok(e.message.startsWith(field === undefined ? `${where}: ` : `${where}: field ${field}: `), e.message);
    if (re) assert.match(e.message, re);
    return true;
  });
}
