#!/usr/bin/env node
// Writes dist/build-info.json: the git commit the compiled code was built from (short sha, `-dirty` when the tree had
// uncommitted changes), so that results written by a copy of dist/ outside the checkout (an installed package, a
// snapshot used for long benchmark runs) still record their code version. Fails soft: without git the commit is
// `unknown`. Written atomically (temp file + rename). Run by `npm run build` after tsc.
import { execFileSync } from 'node:child_process';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

function git(args) {
  try {
    return execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}

let commit = 'unknown';
const sha = git(['rev-parse', '--short', 'HEAD']);
if (sha && /^[0-9a-f]{4,40}$/.test(sha)) commit = git(['status', '--porcelain']) ? `${sha}-dirty` : sha;
const out = join(root, 'dist', 'build-info.json');
mkdirSync(dirname(out), { recursive: true });
writeFileSync(`${out}.tmp`, JSON.stringify({ commit, builtAt: new Date().toISOString() }, null, 2) + '\n');
renameSync(`${out}.tmp`, out);
