/**
 * Synchronous streamed reading of UTF-8 text files: the file is read in chunks (`fs.readSync`, 1 MiB by default)
 * and decoded with a streaming, fatal `TextDecoder`, so a file's size is limited by the memory of what the caller
 * keeps, not by V8's longest string (~512 MiB). A leading BOM is dropped. Every failure is a DataError naming the
 * file: a missing file, an I/O error, and an invalid UTF-8 sequence (with the 1-based line, counted in `\n`
 * bytes, and the byte offset where the sequence starts; invalid bytes are never replaced by U+FFFD).
 */
import fs from 'node:fs';
import { DataError } from './errors.js';

/** Read settings. `chunkSize` may be lowered by tests to exercise chunk boundaries. */
export const textReadSettings = { chunkSize: 1 << 20 };

function ioError(file: string, e: unknown): DataError {
  const code = (e as { code?: unknown }).code;
  if (code === 'ENOENT') return new DataError(file, undefined, undefined, `file not found (${file})`);
  const msg = e instanceof Error ? e.message : String(e);
  return new DataError(file, undefined, undefined, `cannot read ${file} (${msg})`);
}

/** Length of a valid UTF-8 sequence starting at `i` (WHATWG rules), 0 when invalid, -1 when cut off by `end`. */
function seqLength(b: Uint8Array, i: number, end: number): number {
  const c = b[i];
  if (c < 0x80) return 1;
  let n: number;
  let lo = 0x80;
  let hi = 0xbf;
  if (c >= 0xc2 && c <= 0xdf) n = 2;
  else if (c >= 0xe0 && c <= 0xef) {
    n = 3;
    if (c === 0xe0) lo = 0xa0;
    if (c === 0xed) hi = 0x9f;
  } else if (c >= 0xf0 && c <= 0xf4) {
    n = 4;
    if (c === 0xf0) lo = 0x90;
    if (c === 0xf4) hi = 0x8f;
  } else return 0;
  for (let k = 1; k < n; k++) {
    if (i + k >= end) return -1;
    const x = b[i + k];
    if (x < lo || x > hi) return 0;
    lo = 0x80;
    hi = 0xbf;
  }
  return n;
}

/**
 * Offset (in `b`) of the first invalid UTF-8 sequence at or after `from`; a sequence cut off by the end of `b`
 * counts as invalid only when `atEof`. Undefined when none.
 */
function firstInvalidUtf8(b: Uint8Array, from = 0, atEof = true): number | undefined {
  for (let i = from; i < b.length; ) {
    const n = seqLength(b, i, b.length);
    if (n > 0) i += n;
    else if (n < 0 && !atEof) return undefined;
    else return i;
  }
  return undefined;
}

/** The 1-based line (counted in `\n` bytes) of byte `offset` of the file, and the (up to 4) bytes there. */
function byteContext(file: string, offset: number): { line?: number; bytes: Uint8Array } {
  try {
    const fd = fs.openSync(file, 'r');
    try {
      const buf = Buffer.allocUnsafe(1 << 20);
      let line = 1;
      for (let pos = 0; pos < offset; ) {
        const n = fs.readSync(fd, buf, 0, Math.min(buf.length, offset - pos), pos);
        if (n <= 0) break;
        for (let i = buf.indexOf(10, 0); i >= 0 && i < n; i = buf.indexOf(10, i + 1)) line++;
        pos += n;
      }
      const n = fs.readSync(fd, buf, 0, 4, offset);
      return { line, bytes: buf.subarray(0, n) };
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return { bytes: new Uint8Array(0) };
  }
}

function utf8Error(file: string, offset: number): DataError {
  const { line, bytes } = byteContext(file, offset);
  const shown = Array.from(bytes, (x) => x.toString(16).padStart(2, '0')).join(' ');
  return new DataError(
    file,
    line,
    'encoding',
    `invalid UTF-8 at byte offset ${offset} (bytes ${shown}): the file must be UTF-8 encoded`,
  );
}

/**
 * Yields the decoded text of `file` chunk by chunk (chunks may end anywhere, even inside a line or a field; a
 * multi-byte character is never split). See the module doc for the errors.
 */
export function* readTextChunks(file: string, chunkSize = textReadSettings.chunkSize): Generator<string> {
  if (!(Number.isInteger(chunkSize) && chunkSize >= 1)) throw new RangeError(`chunkSize must be a positive integer, got ${chunkSize}`);
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (e) {
    throw ioError(file, e);
  }
  try {
    const decoder = new TextDecoder('utf-8', { fatal: true });
    let pos = 0; // file offset of the next chunk
    let tail = new Uint8Array(0); // the previous chunk's last (up to 3) bytes
    for (;;) {
      const buf = Buffer.allocUnsafe(chunkSize);
      let n: number;
      try {
        n = fs.readSync(fd, buf, 0, chunkSize, null);
      } catch (e) {
        throw ioError(file, e);
      }
      if (n === 0) break;
      const chunk = buf.subarray(0, n);
      let text: string;
      try {
        text = decoder.decode(chunk, { stream: true });
      } catch {
        // find the invalid sequence: every sequence still pending starts within the previous chunk's last 3 bytes
        const both = new Uint8Array(tail.length + n);
        both.set(tail);
        both.set(chunk, tail.length);
        let from = 0;
        while (from < tail.length && (both[from] & 0xc0) === 0x80) from++;
        const at = firstInvalidUtf8(both, from, false) ?? tail.length;
        throw utf8Error(file, pos - tail.length + at);
      }
      pos += n;
      if (n >= 3) tail = new Uint8Array(chunk.subarray(n - 3));
      else {
        const j = new Uint8Array(tail.length + n);
        j.set(tail);
        j.set(chunk, tail.length);
        tail = j.slice(Math.max(0, j.length - 3));
      }
      if (text !== '') yield text;
    }
    let last: string;
    try {
      last = decoder.decode();
    } catch {
      let from = 0;
      while (from < tail.length && (tail[from] & 0xc0) === 0x80) from++;
      const at = firstInvalidUtf8(tail, from, true) ?? from;
      throw utf8Error(file, pos - tail.length + at);
    }
    if (last !== '') yield last;
  } finally {
    fs.closeSync(fd);
  }
}

/** Reads a whole (small) UTF-8 file into one string, with readTextChunks's checks; a failure names the file. */
export function readText(file: string): string {
  const parts: string[] = [];
  for (const c of readTextChunks(file)) parts.push(c);
  try {
    return parts.join('');
  } catch (e) {
    throw new DataError(file, undefined, undefined, `file too large to read whole (${e instanceof Error ? e.message : String(e)})`);
  }
}

/**
 * Interns strings of 13 or more characters: equal long ids and users share one string, copied out of the chunk
 * they were read from (V8 keeps such a slice as a view of the whole chunk, which would keep every chunk alive).
 * Shorter strings are already copies and are returned as they are (a Map lookup per field would cost more than
 * it saves).
 */
export function makeInterner(): (s: string) => string {
  const seen = new Map<string, string>();
  return (s) => {
    if (s.length < 13) return s;
    let k = seen.get(s);
    if (k === undefined) {
      k = (s + ' ').slice(0, -1);
      seen.set(k, k);
    }
    return k;
  };
}
