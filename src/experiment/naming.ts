// Where the comparison experiments keep their runs: runs/bench/<set>-<method>-s<seed>[-<tag>].
import { join } from 'node:path';

/** Whether `tag` can name runs in benchRunDir: empty (untagged) or letters, digits, '.', '_' and '-'. */
export function isRunTag(tag: string): boolean {
  return /^[A-Za-z0-9_.-]*$/.test(tag);
}

/** Where the comparison benches keep their runs and results (a smoke run has its own root: bench/args.ts). */
export const BENCH_ROOT = join('runs', 'bench');

/**
 * The run directory shared by the comparison benches: runs/bench/<set>-<method>-s<seed>[-<tag>] ('sid:msl' is spelled
 * 'sid-msl'; a tag keeps a variant protocol's runs apart; `root` replaces runs/bench, e.g. for smoke runs).
 */
export function benchRunDir(set: string, method: string, seed: number, tag = '', root = BENCH_ROOT): string {
  return join(root, `${set}-${method.replace(':', '-')}-s${seed}${tag ? `-${tag}` : ''}`);
}
