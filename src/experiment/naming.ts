// Where the comparison experiments keep their runs: runs/bench/<set>-<method>-s<seed>[-<tag>].
import { join } from 'node:path';

/** Whether `tag` can name runs in benchRunDir: empty (untagged) or letters, digits, '.', '_' and '-'. */
export function isRunTag(tag: string): boolean {
  return /^[A-Za-z0-9_.-]*$/.test(tag);
}

/**
 * The run directory shared by the comparison benches: runs/bench/<set>-<method>-s<seed>[-<tag>] ('sid:msl' is spelled
 * 'sid-msl'; a tag keeps a variant protocol's runs apart).
 */
export function benchRunDir(set: string, method: string, seed: number, tag = ''): string {
  return join('runs', 'bench', `${set}-${method.replace(':', '-')}-s${seed}${tag ? `-${tag}` : ''}`);
}
