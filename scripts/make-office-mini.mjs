#!/usr/bin/env node
// Builds data/office-mini/ (the embedded default data set) from the BEAR amazon-office release.
//
// Usage: node scripts/make-office-mini.mjs [sourceDir] [outDir]
//   sourceDir defaults to ../shared/data/amazon-office (relative to the repository root), outDir to data/office-mini.
//
// Deterministic recipe (no randomness beyond a fixed hash):
//   1. Users are visited in the order of sha256("office-mini:" + user_id) (hex, ascending): a fixed pseudo-random
//      order. A user is accepted when the item ids it would add to the catalogue number at most 2 x its window
//      count (train + test rows) and the catalogue stays at most 1,500 items; the walk stops as soon as the
//      accepted users hold at least 5,400 train.csv rows. (A plain random 35% of users keeps ~2,300 of the 2,414
//      items, too many for the 2-core demo; this rule keeps the catalogue small while staying a random-order
//      sample of real users with all of their windows.)
//   2. Every window (row) of an accepted user is kept, from train.csv and from test.csv, byte for byte.
//   3. valid.csv = the latest floor(0.1 * n) kept train rows by timestamp (stable sort: ties keep file order);
//      train.csv = the other kept train rows, in timestamp order. test.csv = the kept test rows, in file order.
//   4. id2name4Rec.json = the titles of every item id that occurs in any kept row, keys in numeric order.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const SALT = 'office-mini:';
const MAX_ITEMS = 1500;
const NEW_ITEMS_PER_WINDOW = 2;
const TRAIN_ROWS = 5400;
const VALID_FRACTION = 0.1;

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const src = path.resolve(process.argv[2] ?? path.join(root, '../shared/data/amazon-office'));
const out = path.resolve(process.argv[3] ?? path.join(root, 'data/office-mini'));
const HEADER = 'user_id,item_ids,timestamp';
const ROW = /^([^,]+),"\[([0-9, ]*)\]",(\d+)$/;

const userKey = (user) =>
  crypto
    .createHash('sha256')
    .update(SALT + user)
    .digest('hex');

function readRows(file) {
  const lines = fs.readFileSync(file, 'utf8').split(/\r?\n/);
  if (lines[0] !== HEADER) throw new Error(`${file}:1: unexpected header ${lines[0]}`);
  const rows = [];
  lines.slice(1).forEach((text, i) => {
    if (text === '') return;
    const m = ROW.exec(text);
    if (!m) throw new Error(`${file}:${i + 2}: unexpected row ${text}`);
    rows.push({ text, user: m[1], ids: m[2].split(',').map((s) => s.trim()), ts: Number(m[3]) });
  });
  return rows;
}

const allTrain = readRows(path.join(src, 'train.csv'));
const allTest = readRows(path.join(src, 'test.csv'));
const perUser = new Map();
for (const [rows, key] of [
  [allTrain, 'train'],
  [allTest, 'test'],
]) {
  for (const r of rows) {
    let u = perUser.get(r.user);
    if (!u) perUser.set(r.user, (u = { items: new Set(), train: 0, test: 0 }));
    u[key]++;
    for (const id of r.ids) u.items.add(id);
  }
}
const order = [...perUser.keys()].map((u) => [userKey(u), u]).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
const catalogue = new Set();
const accepted = new Set();
let trainRows = 0;
for (const [, user] of order) {
  if (trainRows >= TRAIN_ROWS) break;
  const u = perUser.get(user);
  let added = 0;
  for (const id of u.items) if (!catalogue.has(id)) added++;
  if (catalogue.size + added > MAX_ITEMS || added > NEW_ITEMS_PER_WINDOW * (u.train + u.test)) continue;
  for (const id of u.items) catalogue.add(id);
  accepted.add(user);
  trainRows += u.train;
}
const train = allTrain.filter((r) => accepted.has(r.user));
const test = allTest.filter((r) => accepted.has(r.user));
const titles = JSON.parse(fs.readFileSync(path.join(src, 'id2name4Rec.json'), 'utf8'));

const sorted = train
  .map((r, i) => ({ r, i }))
  .sort((a, b) => a.r.ts - b.r.ts || a.i - b.i)
  .map((x) => x.r);
const nValid = Math.floor(VALID_FRACTION * sorted.length);
const trainKept = sorted.slice(0, sorted.length - nValid);
const validKept = sorted.slice(sorted.length - nValid);

const ids = new Set();
for (const r of [...trainKept, ...validKept, ...test]) for (const id of r.ids) ids.add(id);
const titleOut = {};
for (const id of [...ids].sort((a, b) => Number(a) - Number(b))) {
  if (!(id in titles)) throw new Error(`item ${id} has no title in the source`);
  titleOut[id] = titles[id];
}

fs.mkdirSync(out, { recursive: true });
const write = (name, rows) =>
  fs.writeFileSync(path.join(out, name), [HEADER, ...rows.map((r) => r.text)].join('\n') + '\n');
write('train.csv', trainKept);
write('valid.csv', validKept);
write('test.csv', test);
fs.writeFileSync(path.join(out, 'id2name4Rec.json'), JSON.stringify(titleOut, null, 4) + '\n');

const users = new Set([...trainKept, ...validKept, ...test].map((r) => r.user));
console.log(
  `office-mini: ${users.size} users, ${ids.size} items, train ${trainKept.length}, valid ${validKept.length}, test ${test.length}`,
);
