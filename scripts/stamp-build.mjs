#!/usr/bin/env node
// Writes dist/build-info.json: the git commit the compiled code was built from (short sha, `-dirty` when the tree had
// uncommitted changes), so that results written by a copy of dist/ outside the checkout (an installed package, a
// snapshot used for long benchmark runs) still record their code version. The commit comes from the code version the
// results use (dist/src/util/version.js, just compiled); the old stamp is removed first so that, without git, the new
// one says `unknown` rather than repeating a previous build's commit. Written atomically (temp file + rename). Run by
// `npm run build` after tsc.
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist', 'build-info.json');
rmSync(out, { force: true });
const { computeCodeVersion } = await import(pathToFileURL(join(root, 'dist', 'src', 'util', 'version.js')).href);
const { commit } = computeCodeVersion(root);
mkdirSync(dirname(out), { recursive: true });
writeFileSync(`${out}.tmp`, JSON.stringify({ commit, builtAt: new Date().toISOString() }, null, 2) + '\n');
renameSync(`${out}.tmp`, out);
