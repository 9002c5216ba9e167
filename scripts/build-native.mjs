#!/usr/bin/env node
// Builds the libtorch binding (native/) with node-gyp, offline: uses npm's bundled node-gyp and
// this Node's own headers, so nothing is downloaded. Fails with one clear message when
// libtorch is missing (see scripts/find-libtorch.mjs).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

const here = dirname(new URL(import.meta.url).pathname);
const check = spawnSync(process.execPath, [join(here, 'find-libtorch.mjs'), 'check'], { stdio: 'inherit' });
if (check.status !== 0) process.exit(1);

function nodeGyp() {
  const candidates = [process.env.npm_config_node_gyp];
  const npmDir = [
    join(dirname(process.execPath), '../lib/node_modules/npm'),
    '/usr/lib/node_modules/npm',
    '/usr/local/lib/node_modules/npm',
  ];
  for (const d of npmDir) candidates.push(join(d, 'node_modules/node-gyp/bin/node-gyp.js'));
  return candidates.find((c) => c && existsSync(c));
}
const gyp = nodeGyp();
if (!gyp) {
  console.error('genrec: node-gyp not found (it ships with npm); install it with  npm install -g node-gyp');
  process.exit(1);
}
const args = [gyp, 'rebuild', '-j', 'max'];
const nodedir = join(dirname(process.execPath), '..');
if (existsSync(join(nodedir, 'include/node/node.h'))) args.push(`--nodedir=${nodedir}`);
const r = spawnSync(process.execPath, args, { stdio: 'inherit' });
process.exit(r.status ?? 1);
