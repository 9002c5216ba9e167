/**
 * The safetensors file format (https://github.com/huggingface/safetensors), in pure TypeScript over typed arrays.
 *
 * Layout: an 8-byte little-endian unsigned header length N; N bytes of UTF-8 JSON
 * `{ name: { dtype, shape, data_offsets: [begin, end] }, "__metadata__"?: { key: string } }`, padded with spaces so
 * that 8 + N is a multiple of 8; then the byte buffer, with each tensor's raw little-endian data at
 * [begin, end) relative to the buffer start. Offsets must be contiguous and cover the buffer exactly.
 *
 * Tensors are written sorted by name so files are byte-for-byte deterministic. This module depends on nothing
 * else in src/engine (only on src/util/atomic.ts).
 */
import { readFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { endianness } from 'node:os';
import { writeFileAtomic, writeFileAtomicSync } from '../util/atomic.js';

/** Supported element types (our names). */
export type StDtype = 'float32' | 'float64' | 'int64' | 'int32' | 'bool' | 'uint8';

/** A tensor as stored: dtype, shape and a flat row-major typed array. `bool` uses a Uint8Array of 0/1. */
export type StTensor =
  | { dtype: 'float32'; shape: number[]; data: Float32Array }
  | { dtype: 'float64'; shape: number[]; data: Float64Array }
  | { dtype: 'int64'; shape: number[]; data: BigInt64Array }
  | { dtype: 'int32'; shape: number[]; data: Int32Array }
  | { dtype: 'bool'; shape: number[]; data: Uint8Array }
  | { dtype: 'uint8'; shape: number[]; data: Uint8Array };

/** Decoded file contents. */
export interface StFile {
  tensors: Record<string, StTensor>;
  metadata: Record<string, string>;
}

/** A header entry as found in the file. */
export interface StHeaderEntry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

const TO_FILE: Record<StDtype, string> = {
  float32: 'F32',
  float64: 'F64',
  int64: 'I64',
  int32: 'I32',
  bool: 'BOOL',
  uint8: 'U8',
};
const FROM_FILE: Record<string, StDtype> = Object.fromEntries(
  Object.entries(TO_FILE).map(([ours, theirs]) => [theirs, ours as StDtype]),
);
const ITEM_SIZE: Record<StDtype, number> = { float32: 4, float64: 8, int64: 8, int32: 4, bool: 1, uint8: 1 };
/** Upper bound on the header size, as in the reference implementation (100 MB). */
const MAX_HEADER = 100_000_000;

function assertLittleEndian(): void {
  if (endianness() !== 'LE') throw new Error('safetensors: big-endian hosts are not supported');
}

function numelOf(shape: readonly number[], what: string): number {
  let n = 1;
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d < 0)
      throw new Error(`${what}: shape ${JSON.stringify(shape)} has invalid dim ${d}`);
    n *= d;
  }
  if (!Number.isSafeInteger(n)) throw new Error(`${what}: shape ${JSON.stringify(shape)} is too large`);
  return n;
}

function checkDataType(name: string, t: StTensor): void {
  const d = t.data as unknown;
  const ok =
    (t.dtype === 'float32' && d instanceof Float32Array) ||
    (t.dtype === 'float64' && d instanceof Float64Array) ||
    (t.dtype === 'int64' && d instanceof BigInt64Array) ||
    (t.dtype === 'int32' && d instanceof Int32Array) ||
    ((t.dtype === 'bool' || t.dtype === 'uint8') && d instanceof Uint8Array);
  if (!ok) {
    const got = (d as { constructor?: { name?: string } })?.constructor?.name ?? typeof d;
    throw new Error(`safetensors: tensor '${name}' has dtype ${t.dtype} but its data is a ${got}`);
  }
}

/** Serialise tensors (sorted by name) and optional string metadata to a safetensors buffer. */
export function encodeSafetensors(tensors: Record<string, StTensor>, metadata?: Record<string, string>): Buffer {
  assertLittleEndian();
  const names = Object.keys(tensors).sort();
  const header: Record<string, unknown> = {};
  if (metadata !== undefined) {
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string') throw new Error(`safetensors: metadata '${k}' must be a string, got ${typeof v}`);
    }
    header.__metadata__ = metadata;
  }
  let offset = 0;
  const parts: Uint8Array[] = [];
  for (const name of names) {
    if (name === '' || name === '__metadata__') throw new Error(`safetensors: invalid tensor name '${name}'`);
    const t = tensors[name];
    if (!(t.dtype in TO_FILE)) throw new Error(`safetensors: tensor '${name}' has unsupported dtype '${t.dtype}'`);
    checkDataType(name, t);
    const numel = numelOf(t.shape, `safetensors: tensor '${name}'`);
    if (t.data.length !== numel)
      throw new Error(
        `safetensors: tensor '${name}' has shape ${JSON.stringify(t.shape)} (${numel} elements) but ${t.data.length} values`,
      );
    if (t.dtype === 'bool') {
      for (let i = 0; i < t.data.length; i++)
        if (t.data[i] > 1) throw new Error(`safetensors: bool tensor '${name}' has value ${t.data[i]} at [${i}]`);
    }
    const bytes = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    header[name] = { dtype: TO_FILE[t.dtype], shape: [...t.shape], data_offsets: [offset, offset + bytes.byteLength] };
    parts.push(bytes);
    offset += bytes.byteLength;
  }
  let json = JSON.stringify(header);
  const jsonBytes = Buffer.byteLength(json, 'utf8');
  json += ' '.repeat((8 - (jsonBytes % 8)) % 8);
  const headerBuf = Buffer.from(json, 'utf8');
  const out = Buffer.alloc(8 + headerBuf.length + offset);
  out.writeBigUInt64LE(BigInt(headerBuf.length), 0);
  headerBuf.copy(out, 8);
  let pos = 8 + headerBuf.length;
  for (const p of parts) {
    out.set(p, pos);
    pos += p.byteLength;
  }
  return out;
}

/** Parse and validate only the header; returns the entries, metadata and where the byte buffer starts. */
export function decodeSafetensorsHeader(buf: Uint8Array): {
  entries: Record<string, StHeaderEntry>;
  metadata: Record<string, string>;
  dataStart: number;
} {
  if (buf.byteLength < 8)
    throw new Error(`safetensors: file too short (${buf.byteLength} bytes) for the header length`);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const n64 = view.getBigUint64(0, true);
  if (n64 > BigInt(MAX_HEADER))
    throw new Error(`safetensors: header length ${n64} exceeds the ${MAX_HEADER}-byte limit`);
  const n = Number(n64);
  if (8 + n > buf.byteLength)
    throw new Error(`safetensors: header length ${n} exceeds the file size (${buf.byteLength} bytes): truncated file?`);
  const text = new TextDecoder('utf-8', { fatal: false }).decode(buf.subarray(8, 8 + n));
  if (!text.startsWith('{')) throw new Error(`safetensors: header does not start with '{'`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new Error(`safetensors: header is not valid JSON: ${(e as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new Error('safetensors: header must be a JSON object');
  const dataStart = 8 + n;
  const dataLen = buf.byteLength - dataStart;
  const metadata: Record<string, string> = {};
  const entries: Record<string, StHeaderEntry> = {};
  for (const [name, raw] of Object.entries(parsed as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
        throw new Error('safetensors: __metadata__ must be an object of strings');
      for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
        if (typeof v !== 'string')
          throw new Error(`safetensors: __metadata__ '${k}' must be a string, got ${typeof v}`);
        metadata[k] = v;
      }
      continue;
    }
    const what = `safetensors: tensor '${name}'`;
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
      throw new Error(`${what}: entry must be an object`);
    const e = raw as Record<string, unknown>;
    if (typeof e.dtype !== 'string') throw new Error(`${what}: missing dtype`);
    if (!Array.isArray(e.shape)) throw new Error(`${what}: shape must be an array`);
    const off = e.data_offsets;
    if (!Array.isArray(off) || off.length !== 2 || !off.every((x) => Number.isSafeInteger(x) && x >= 0))
      throw new Error(`${what}: data_offsets must be two non-negative integers, got ${JSON.stringify(off)}`);
    const [begin, end] = off as number[];
    if (end < begin) throw new Error(`${what}: data_offsets [${begin}, ${end}] end before they begin`);
    if (end > dataLen)
      throw new Error(
        `${what}: data_offsets [${begin}, ${end}] exceed the ${dataLen}-byte data buffer: truncated file?`,
      );
    const dtype = FROM_FILE[e.dtype];
    if (dtype === undefined)
      throw new Error(`${what}: unsupported dtype '${e.dtype}' (supported: ${Object.keys(FROM_FILE).join(', ')})`);
    const numel = numelOf(e.shape as number[], what);
    const expected = numel * ITEM_SIZE[dtype];
    if (end - begin !== expected)
      throw new Error(
        `${what}: ${e.dtype} ${JSON.stringify(e.shape)} needs ${expected} bytes but data_offsets [${begin}, ${end}] span ${
          end - begin
        }`,
      );
    entries[name] = { dtype: e.dtype, shape: e.shape as number[], data_offsets: [begin, end] };
  }
  // Offsets must tile the buffer: sorted by begin, each starting where the previous ended, covering it all.
  const byBegin = Object.entries(entries).sort(
    (a, b) => a[1].data_offsets[0] - b[1].data_offsets[0] || a[1].data_offsets[1] - b[1].data_offsets[1],
  );
  let cursor = 0;
  for (const [name, e] of byBegin) {
    const [begin, end] = e.data_offsets;
    if (begin !== cursor)
      throw new Error(
        `safetensors: tensor '${name}' data_offsets [${begin}, ${end}] ${
          begin < cursor ? 'overlap the previous tensor' : 'leave a gap after the previous tensor'
        } (expected begin ${cursor})`,
      );
    cursor = end;
  }
  if (cursor !== dataLen)
    throw new Error(`safetensors: tensors cover ${cursor} bytes but the data buffer has ${dataLen} (trailing bytes)`);
  return { entries, metadata, dataStart };
}

/** Parse and validate a safetensors buffer. Tensor data is copied (aligned, independent of `buf`). */
export function decodeSafetensors(buf: Uint8Array): StFile {
  assertLittleEndian();
  const { entries, metadata, dataStart } = decodeSafetensorsHeader(buf);
  const tensors: Record<string, StTensor> = {};
  for (const name of Object.keys(entries).sort()) {
    const e = entries[name];
    const dtype = FROM_FILE[e.dtype];
    const [begin, end] = e.data_offsets;
    const bytes = buf.subarray(dataStart + begin, dataStart + end);
    const copy = new ArrayBuffer(bytes.byteLength);
    new Uint8Array(copy).set(bytes);
    const shape = [...e.shape];
    switch (dtype) {
      case 'float32':
        tensors[name] = { dtype, shape, data: new Float32Array(copy) };
        break;
      case 'float64':
        tensors[name] = { dtype, shape, data: new Float64Array(copy) };
        break;
      case 'int64':
        tensors[name] = { dtype, shape, data: new BigInt64Array(copy) };
        break;
      case 'int32':
        tensors[name] = { dtype, shape, data: new Int32Array(copy) };
        break;
      case 'bool': {
        const data = new Uint8Array(copy);
        const bad = data.findIndex((x) => x > 1);
        if (bad >= 0) throw new Error(`safetensors: bool tensor '${name}' has byte ${data[bad]} at [${bad}]`);
        tensors[name] = { dtype, shape, data };
        break;
      }
      case 'uint8':
        tensors[name] = { dtype, shape, data: new Uint8Array(copy) };
        break;
    }
  }
  return { tensors, metadata };
}

/** Write a safetensors file atomically. */
export async function saveSafetensors(
  path: string,
  tensors: Record<string, StTensor>,
  metadata?: Record<string, string>,
): Promise<void> {
  await writeFileAtomic(path, encodeSafetensors(tensors, metadata));
}

/** Synchronous {@link saveSafetensors}. */
export function saveSafetensorsSync(
  path: string,
  tensors: Record<string, StTensor>,
  metadata?: Record<string, string>,
): void {
  writeFileAtomicSync(path, encodeSafetensors(tensors, metadata));
}

function withPath<T>(path: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    throw new Error(`${path}: ${(e as Error).message}`);
  }
}

/** Read and validate a safetensors file; errors name the file and the tensor. */
export async function loadSafetensors(path: string): Promise<StFile> {
  const buf = await readFile(path);
  return withPath(path, () => decodeSafetensors(buf));
}

/** Synchronous {@link loadSafetensors}. */
export function loadSafetensorsSync(path: string): StFile {
  const buf = readFileSync(path);
  return withPath(path, () => decodeSafetensors(buf));
}
