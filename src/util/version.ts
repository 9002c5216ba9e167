/**
 * Code version for results files: package version plus git commit (short sha, `-dirty` when the working tree has
 * uncommitted changes). Outside a git checkout (an installed package, a copy of dist/ used for long runs) the commit
 * comes from `dist/build-info.json`, which `npm run build` stamps (scripts/stamp-build.mjs). Fails soft: without
 * either, or before the first commit, the commit is `unknown`.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Version information recorded with every result. */
export interface CodeVersion {
  /** `version` from package.json, or `unknown`. */
  packageVersion: string;
  /** Short commit sha, with `-dirty` if the tree has changes; `unknown` if not determinable. */
  commit: string;
  /** `genrec@0.1.0+abc1234-dirty`. */
  string: string;
}

/** Nearest directory at or above `start` containing a package.json, or undefined. */
export function findPackageRoot(start: string): string | undefined {
  let dir = path.resolve(start);
  for (;;) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    const up = path.dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

function git(args: string[], cwd: string): string | undefined {
  try {
    return execFileSync('git', args, {
      cwd,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 5000,
    }).trim();
  } catch {
    return undefined;
  }
}

/** The commit recorded by the build stamp `dist/build-info.json` under `root`, if it is present and well-formed. */
function stampedCommit(root: string): string | undefined {
  try {
    const info = JSON.parse(readFileSync(path.join(root, 'dist', 'build-info.json'), 'utf8')) as { commit?: unknown };
    if (typeof info.commit === 'string' && /^[0-9a-f]{4,40}(-dirty)?$/.test(info.commit)) return info.commit;
  } catch {
    // no stamp
  }
  return undefined;
}

/** Compute the code version for the package containing `dir` (default: the package containing this module). */
export function computeCodeVersion(dir?: string): CodeVersion {
  const here = dir ?? path.dirname(fileURLToPath(import.meta.url));
  // Fall back to the working directory when this module runs from a copy outside the package (e.g. a tmp build).
  const root = findPackageRoot(here) ?? (dir === undefined ? findPackageRoot(process.cwd()) : undefined);
  let name = 'genrec';
  let packageVersion = 'unknown';
  if (root !== undefined) {
    try {
      const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
        name?: unknown;
        version?: unknown;
      };
      if (typeof pkg.name === 'string') name = pkg.name;
      if (typeof pkg.version === 'string') packageVersion = pkg.version;
    } catch {
      // keep 'unknown'
    }
  }
  let commit = 'unknown';
  const cwd = root ?? here;
  const sha = git(['rev-parse', '--short', 'HEAD'], cwd);
  if (sha && /^[0-9a-f]{4,40}$/.test(sha)) {
    const status = git(['status', '--porcelain'], cwd);
    commit = status === undefined ? sha : status === '' ? sha : `${sha}-dirty`;
  } else if (root !== undefined) {
    commit = stampedCommit(root) ?? commit;
  }
  return { packageVersion, commit, string: `${name}@${packageVersion}+${commit}` };
}

let cached: CodeVersion | undefined;

/** {@link computeCodeVersion} for this package, computed once per process. */
export function codeVersion(): CodeVersion {
  cached ??= computeCodeVersion();
  return cached;
}
