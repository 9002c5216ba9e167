/**
 * Atomic file writes: write to a temporary file in the target's directory, fsync it, then rename it over the
 * target. Readers see either the old file or the complete new one, never a torn write; on failure the temporary
 * file is removed and the target is left untouched. Parent directories are created as needed.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { mkdir, open, rename, unlink } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import path from 'node:path';

/** Data accepted by the atomic writers: a string (UTF-8), bytes, or an iterable of byte chunks (streamed). */
export type AtomicData = string | Uint8Array | Iterable<Uint8Array>;

function tempPathFor(target: string): string {
  const dir = path.dirname(target);
  const base = path.basename(target);
  return path.join(dir, `.${base}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
}

function chunksOf(data: AtomicData): Iterable<Uint8Array> {
  if (typeof data === 'string') return [Buffer.from(data, 'utf8')];
  if (data instanceof Uint8Array) return [data];
  return data;
}

/** Best-effort fsync of a directory so the rename itself is durable (not supported everywhere). */
function fsyncDirSync(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Some platforms/filesystems do not allow fsync on directories; the data itself is already synced.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Synchronously and atomically replace `target` with `data`. */
export function writeFileAtomicSync(target: string, data: AtomicData): void {
  const dir = path.dirname(path.resolve(target));
  mkdirSync(dir, { recursive: true });
  const tmp = tempPathFor(path.resolve(target));
  let fd: number | undefined = openSync(tmp, 'wx', 0o644);
  try {
    for (const chunk of chunksOf(data)) {
      let off = 0;
      while (off < chunk.byteLength) off += writeSync(fd, chunk, off, chunk.byteLength - off);
    }
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, target);
  } catch (e) {
    if (fd !== undefined) {
      try {
        closeSync(fd);
      } catch {
        // already failing; keep the original error
      }
    }
    try {
      unlinkSync(tmp);
    } catch {
      // the temp file may not exist (e.g. rename partially succeeded); keep the original error
    }
    throw e;
  }
  fsyncDirSync(dir);
}

/** Atomically replace `target` with `data`. */
export async function writeFileAtomic(target: string, data: AtomicData): Promise<void> {
  const dir = path.dirname(path.resolve(target));
  await mkdir(dir, { recursive: true });
  const tmp = tempPathFor(path.resolve(target));
  const fh = await open(tmp, 'wx', 0o644);
  let closed = false;
  try {
    for (const chunk of chunksOf(data)) {
      let off = 0;
      while (off < chunk.byteLength) {
        const { bytesWritten } = await fh.write(chunk, off, chunk.byteLength - off);
        off += bytesWritten;
      }
    }
    await fh.sync();
    await fh.close();
    closed = true;
    await rename(tmp, target);
  } catch (e) {
    if (!closed) await fh.close().catch(() => undefined);
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
  fsyncDirSync(dir);
}

/** JSON text as written by the JSON writers: 2-space indent and a trailing newline. */
function toJsonText(value: unknown): string {
  const text = JSON.stringify(value, null, 2);
  if (text === undefined) throw new Error('value is not JSON-serialisable (undefined / function / symbol)');
  return text + '\n';
}

/** Atomically write `value` as pretty-printed JSON (2-space indent, trailing newline). */
export async function writeJsonAtomic(target: string, value: unknown): Promise<void> {
  await writeFileAtomic(target, toJsonText(value));
}

/** Synchronous {@link writeJsonAtomic}. */
export function writeJsonAtomicSync(target: string, value: unknown): void {
  writeFileAtomicSync(target, toJsonText(value));
}
