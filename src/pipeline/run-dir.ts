// Run directories: what a finished run holds, where an unfinished one works, and the publish step that turns the
// second into the first. A finished run is never changed by a later run until that run has completed:
//
//   <dir>/model.safetensors   weights + what they were trained with (config, identifiers, data set, run id):
//                             loadRun reads everything it needs from here
//   <dir>/config.json, ids.json, results.json, checkpoints/, refit/   copies and records of the same run
//   <dir>/.pending/           an unfinished run (its config, identifiers, trainer checkpoints, then its model and
//                             results); `--resume true` continues it
//
// Publishing writes `.pending/publish.json` (the commit point: an atomic write after everything of the new run is on
// disk), then moves the files into place. A publish killed halfway is completed by `recoverRunDir`, which every reader
// and writer of a run directory calls first; a run killed before the commit point leaves the finished run as it was.
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { writeJsonAtomicSync } from '../util/atomic.js';
import { readJsonFile } from '../util/json-file.js';

const PENDING_DIR = '.pending';
const PUBLISH_MARK = 'publish.json';
/** Files of a run, in the order a publish moves them (the model first: from then on it is the run that loads). */
const RUN_FILES = ['model.safetensors', 'ids.json', 'config.json', 'results.json'] as const;
/** The trainer's checkpoint directories kept with a finished run. */
const STATE_DIRS = ['checkpoints', 'refit', 'align', 'align-warmup'] as const;

export function pendingDir(dir: string): string {
  return join(dir, PENDING_DIR);
}

/** True when `dir` holds a finished run (its weights). */
function hasFinishedRun(dir: string): boolean {
  return existsSync(join(dir, 'model.safetensors'));
}

/** True when `dir` holds an unfinished run that `--resume true` can continue. */
export function hasPendingRun(dir: string): boolean {
  return existsSync(join(pendingDir(dir), 'config.json'));
}

/** A fresh identifier of one training run (recorded with its weights and results). */
export function newRunId(): string {
  return `${new Date().toISOString().replace(/[-:.]/g, '').slice(0, 15)}-${randomBytes(4).toString('hex')}`;
}

/** Starts an empty pending run in `dir` (an earlier unfinished one is discarded). Returns its directory. */
export function startPendingRun(dir: string): string {
  const p = pendingDir(dir);
  rmSync(p, { recursive: true, force: true });
  mkdirSync(p, { recursive: true });
  return p;
}

/** Moves the files of a completed pending run into `dir`, replacing the finished run there. */
export function publishRun(dir: string, runId: string): void {
  writeJsonAtomicSync(join(pendingDir(dir), PUBLISH_MARK), { runId });
  finishPublish(dir);
}

/** Idempotent: each step checks what is still to do, so a publish killed anywhere can be run again. */
function finishPublish(dir: string): void {
  const p = pendingDir(dir);
  for (const f of RUN_FILES) if (existsSync(join(p, f))) renameSync(join(p, f), join(dir, f));
  for (const d of STATE_DIRS) {
    if (!existsSync(join(p, d))) continue;
    rmSync(join(dir, d), { recursive: true, force: true });
    renameSync(join(p, d), join(dir, d));
  }
  rmSync(p, { recursive: true, force: true });
}

/**
 * Completes a publish that was interrupted after its commit point (returns true then). A pending run that never
 * reached the commit point is left alone: it is an unfinished run, resumable, and the finished run still loads.
 */
export function recoverRunDir(dir: string): boolean {
  const mark = join(pendingDir(dir), PUBLISH_MARK);
  if (!existsSync(mark)) return false;
  try {
    JSON.parse(readFileSync(mark, 'utf8'));
  } catch {
    return false; // not ours, or unreadable: never act on it
  }
  finishPublish(dir);
  return true;
}

/** Settings that do not change what a run computes, ignored when a resumed run is compared with its start. */
const COSMETIC_KEYS = new Set(['threads', 'out', 'cacheDir', 'trainer.logIntervalSec']);

/** The dotted keys whose values differ between two configurations (`a` as stored, `b` as requested). */
function configDifferences(a: unknown, b: unknown, prefix = ''): string[] {
  const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (isObj(a) && isObj(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
    return keys.flatMap((k) => configDifferences(a[k], b[k], prefix ? `${prefix}.${k}` : k));
  }
  if (COSMETIC_KEYS.has(prefix) || JSON.stringify(a) === JSON.stringify(b)) return [];
  return [`${prefix}: ${JSON.stringify(a) ?? 'absent'} then, ${JSON.stringify(b) ?? 'absent'} now`];
}

/**
 * The start of a run in `dir` (every task's): completes an interrupted publish, and decides whether the run resumes
 * its unfinished run (same configuration only) or starts a new one, refusing to replace a finished run without
 * `overwrite`. Nothing is written but the publish's completion.
 */
export function openRunDir(
  dir: string,
  cfg: unknown,
  opts: { resume?: boolean; overwrite?: boolean },
  log: (line: string) => void,
): { pending: string; resuming: boolean } {
  if (recoverRunDir(dir)) log(`run ${dir}: completed the publish of a run that was interrupted while publishing`);
  const pending = pendingDir(dir);
  const resuming = opts.resume === true && hasPendingRun(dir);
  if (resuming) {
    const diff = configDifferences(readJsonFile(join(pending, 'config.json')), cfg);
    if (diff.length > 0)
      throw new Error(
        `cannot resume the unfinished run in ${dir}: its configuration differs (${diff.join('; ')}); nothing was changed`,
      );
  } else if (opts.resume && hasFinishedRun(dir)) {
    throw new Error(
      `nothing to resume in ${dir}: it holds a finished run and no unfinished one (--overwrite true retrains it; the finished run stays intact until the new one completes)`,
    );
  } else if (hasFinishedRun(dir) && !opts.overwrite) {
    throw new Error(
      `${dir} already holds a finished run; pass --overwrite true to replace it (it stays intact until the new run completes) or choose another --out`,
    );
  }
  if (opts.resume && !resuming) log(`resume: no unfinished run in ${dir}; starting a new one`);
  return { pending, resuming };
}
