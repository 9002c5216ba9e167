// A small JSON result cache: one file per entry holding { key, codeVersion, value }; an entry whose key differs from
// the expected one is stale and recomputed.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { writeJsonAtomicSync } from '../util/atomic.js';
import { codeVersion } from '../util/version.js';

/** A cache entry: its file and the key its content must carry. */
export interface CacheSlot {
  file: string;
  key: string;
}

/** The model file's identity (size, mtime): a cached figure is stale once the model is retrained. */
export function modelStamp(dir: string): [number, number] {
  const st = statSync(join(dir, 'model.safetensors'));
  return [st.size, st.mtimeMs];
}

/** The value cached in `slot`, or null when absent or stale. */
export function readCached<T>(slot: CacheSlot): T | null {
  if (!existsSync(slot.file)) return null;
  const c = JSON.parse(readFileSync(slot.file, 'utf8')) as { key: string; value?: T; summary?: T };
  return c.key === slot.key ? ((c.value ?? c.summary) as T) : null;
}

/** Writes `value` to `slot` atomically; returns it as a cached read would (NaN → null). */
export function writeCached<T>(slot: CacheSlot, value: T): T {
  writeJsonAtomicSync(slot.file, { key: slot.key, codeVersion: codeVersion().string, value });
  return JSON.parse(JSON.stringify(value)) as T;
}

/** `compute()` cached in `slot` (recomputed when the key differs; written atomically). */
export function cached<T>(slot: CacheSlot, compute: () => T): T {
  return readCached<T>(slot) ?? writeCached(slot, compute());
}
