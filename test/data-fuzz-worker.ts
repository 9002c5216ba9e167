// Worker of data-fuzz.test.ts (runs only inside a worker thread; imported by the test runner it does nothing).
// Mutates small valid inputs of the window CSV, JSONL sequences and interaction-log loaders with a seeded Rng and
// checks that each case loads or fails with a DataError naming one of the case's files; posts progress so that
// the parent can detect a hang, then a summary.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { DataError } from '../src/data/errors.js';
import { loadDataset, loadInteractions, loadSequences } from '../src/data/index.js';
import { textReadSettings } from '../src/data/textfile.js';
import { Rng } from '../src/util/rng.js';

export interface FuzzJob {
  seed: number;
  cases: number;
}

export interface FuzzFailure {
  seed: number;
  index: number;
  target: string;
  mutations: string[];
  chunkSize: number;
  error: string;
}

export interface FuzzSummary {
  cases: number;
  loaded: number;
  dataErrors: number;
  failures: FuzzFailure[];
  byTarget: Record<string, { loaded: number; failed: number }>;
}

const HEADER = 'user_id,item_ids,timestamp\n';
const WINDOW_FILES: Record<string, string> = {
  'id2name4Rec.json': JSON.stringify({ 1: 'One, "1"', 2: 'Zwei ü', 3: 'Trois €', 4: 'Four 😀', 5: 'Five\\n' }, null, 1),
  'train.csv':
    HEADER +
    'u1,"[1, 2, 3]",100\nu2,"[2, 3, 4, 5]",200\nA1B2C3D4E5F6G7,"[5, 1]",300\r\nu3,"[3]",400\n"u,4","[4, 2]",500\n',
  'valid.csv': 'user_id,mask,item_ids,timestamp\nu1,"[0]","[1, 4]",600\n',
  'test.csv': HEADER + 'u2,"[2, 5, 1]",700\nu3,"[""9"", 1]",800\n',
};
const SEQ_FILES: Record<string, string> = {
  'sequences.jsonl':
    '{"user": 1, "items": [10, 11, 12, 13], "timestamps": [1, 2, 3, 4]}\n' +
    '{"user": "b", "items": ["12", 14, 10], "timestamps": [5.5, 4, 6]}\n' +
    '{"user": 3, "items": [11, 13], "timestamps": [7, 8]}\n',
  'items.jsonl':
    '{"item": 10, "title": "Ten", "genres": ["a"]}\n{"item": 11, "title": "Elf ü"}\n{"item": "14", "title": "x\\"y"}\n',
};
const logRows = Array.from({ length: 24 }, (_, i) => [`u${i % 4}`, `${(i * 5) % 7}`, 1000 + i] as const);
const LOG_FILES: Record<string, string> = {
  'log.csv': 'user,item,timestamp\n' + logRows.map((r) => r.join(',')).join('\n') + '\n',
  'items.json': JSON.stringify(Object.fromEntries(Array.from({ length: 7 }, (_, i) => [i, `Item ${i}`]))),
};
const JLOG_FILES: Record<string, string> = {
  'log.jsonl': logRows
    .map(([user, item, timestamp]) => JSON.stringify({ user, item: Number(item), timestamp }))
    .join('\n'),
  'items.jsonl': Array.from({ length: 7 }, (_, i) => JSON.stringify({ item: i, title: `Item ${i}` })).join('\n'),
};

interface Target {
  name: string;
  files: Record<string, string>;
  load(dir: string): { users: string[]; items: { rawId: string; title: string }[] };
}

const TARGETS: Target[] = [
  {
    name: 'windows',
    files: WINDOW_FILES,
    load(dir) {
      const ds = loadDataset({ format: 'windows', dir });
      return { users: [...ds.train, ...ds.valid, ...ds.test].map((e) => e.user), items: ds.items };
    },
  },
  {
    name: 'sequences',
    files: SEQ_FILES,
    load(dir) {
      const d = loadSequences({ sequences: path.join(dir, 'sequences.jsonl'), items: path.join(dir, 'items.jsonl') });
      return { users: d.sequences.map((s) => s.user), items: d.items };
    },
  },
  {
    name: 'interactions-csv',
    files: LOG_FILES,
    load(dir) {
      const ds = loadInteractions({ file: path.join(dir, 'log.csv'), titles: path.join(dir, 'items.json'), kcore: 2 });
      return { users: [...ds.train, ...ds.valid, ...ds.test].map((e) => e.user), items: ds.items };
    },
  },
  {
    name: 'interactions-jsonl',
    files: JLOG_FILES,
    load(dir) {
      const ds = loadInteractions({
        file: path.join(dir, 'log.jsonl'),
        titles: path.join(dir, 'items.jsonl'),
        kcore: 0,
        protocol: 'leave-one-out',
      });
      return { users: [...ds.train, ...ds.valid, ...ds.test].map((e) => e.user), items: ds.items };
    },
  },
];

const INSERTS: (string | number[])[] = [
  '"',
  ',',
  '\n',
  '\r\n',
  '\r',
  '""',
  '[',
  ']',
  '{',
  '}',
  ':',
  '\\',
  '\\u0031',
  '\ufeff',
  'é😀',
  ' ',
  '12345678901234567890',
  '1e400',
  '-1e400',
  '0x10',
  'Infinity',
  'NaN',
  '1.5',
  '1e3',
  'null',
  '"x"',
  [0xff],
  [0xc3],
  [0xe2, 0x82],
  [0xed, 0xa0, 0x80],
  [0xf0, 0x9f],
  [0xc0, 0x80],
  [0xef, 0xbf, 0xbd],
];

function lineSpans(b: Buffer): [number, number][] {
  const spans: [number, number][] = [];
  let s = 0;
  for (let i = 0; i <= b.length; i++) {
    if (i === b.length || b[i] === 10) {
      spans.push([s, Math.min(i + 1, b.length)]);
      s = i + 1;
    }
  }
  return spans;
}

/** One random mutation of `b`; returns the new bytes and a description. */
function mutate(b: Buffer, rng: Rng): [Buffer, string] {
  const at = rng.int(b.length + 1);
  switch (rng.int(9)) {
    case 0: {
      if (b.length === 0) return [b, 'noop'];
      const i = rng.int(b.length);
      const bit = rng.int(8);
      const c = Buffer.from(b);
      c[i] ^= 1 << bit;
      return [c, `flip bit ${bit} of byte ${i}`];
    }
    case 1:
    case 2: {
      const ins = INSERTS[rng.int(INSERTS.length)];
      const bytes = typeof ins === 'string' ? Buffer.from(ins) : Buffer.from(ins);
      return [Buffer.concat([b.subarray(0, at), bytes, b.subarray(at)]), `insert ${JSON.stringify(ins)} at ${at}`];
    }
    case 3: {
      const len = 1 + rng.int(8);
      return [Buffer.concat([b.subarray(0, at), b.subarray(at + len)]), `delete ${len} bytes at ${at}`];
    }
    case 4:
      return [b.subarray(0, at), `truncate at ${at}`];
    case 5: {
      const spans = lineSpans(b);
      const [s, e] = spans[rng.int(spans.length)];
      let line = b.subarray(s, e);
      if (line.length > 0 && line[line.length - 1] !== 10) line = Buffer.concat([line, Buffer.from('\n')]);
      const [t] = spans[rng.int(spans.length)];
      return [Buffer.concat([b.subarray(0, t), line, b.subarray(t)]), `duplicate line at ${s} before ${t}`];
    }
    case 6: {
      // replace a run of digits with a huge or odd number
      const text = b.toString('latin1');
      const runs = [...text.matchAll(/\d+/g)];
      if (runs.length === 0) return [b, 'noop'];
      const m = runs[rng.int(runs.length)];
      const rep = rng.choice(['12345678901234567890', '9007199254740993', '1e400', '0x10', '-0', '1.25', '']);
      const i = m.index ?? 0;
      return [
        Buffer.concat([b.subarray(0, i), Buffer.from(rep), b.subarray(i + m[0].length)]),
        `replace ${m[0]} at ${i} with ${JSON.stringify(rep)}`,
      ];
    }
    case 7: {
      // duplicate a header column / a JSON key on the first line
      const e = b.indexOf(10);
      const end = e < 0 ? b.length : e;
      const first = b.subarray(0, end).toString('latin1');
      const cut = first.indexOf(',');
      if (cut < 0) return [b, 'noop'];
      const dup = first.startsWith('{') ? first.slice(1, cut) + ',' : ',' + first.slice(0, cut);
      const pos = first.startsWith('{') ? 1 : end;
      return [
        Buffer.concat([b.subarray(0, pos), Buffer.from(dup), b.subarray(pos)]),
        `duplicate ${JSON.stringify(dup)}`,
      ];
    }
    default: {
      // keep only the first line (a header-only file) or nothing
      const e = b.indexOf(10);
      const keep = rng.bernoulli(0.5) && e >= 0 ? e + 1 : 0;
      return [b.subarray(0, keep), `keep ${keep} bytes`];
    }
  }
}

export function runFuzz(job: FuzzJob, progress: (index: number) => void): FuzzSummary {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'genrec-fuzz-'));
  const summary: FuzzSummary = { cases: 0, loaded: 0, dataErrors: 0, failures: [], byTarget: {} };
  const saved = textReadSettings.chunkSize;
  try {
    const rng = new Rng(job.seed);
    for (let index = 0; index < job.cases; index++) {
      progress(index);
      const target = TARGETS[index % TARGETS.length];
      // one directory per target, its files rewritten for every case
      const dir = path.join(root, target.name);
      fs.mkdirSync(dir, { recursive: true });
      const names = Object.keys(target.files);
      const victim = names[rng.int(names.length)];
      const mutations: string[] = [];
      let bytes: Buffer = Buffer.from(target.files[victim]);
      const n = 1 + rng.int(3);
      for (let k = 0; k < n; k++) {
        const [next, what] = mutate(bytes, rng);
        bytes = next;
        mutations.push(`${victim}: ${what}`);
      }
      for (const name of names) fs.writeFileSync(path.join(dir, name), name === victim ? bytes : target.files[name]);
      const chunkSize = rng.choice([1, 2, 3, 5, 7, 64, 1 << 20]);
      textReadSettings.chunkSize = chunkSize;
      const stat = (summary.byTarget[target.name] ??= { loaded: 0, failed: 0 });
      const fail = (error: string) =>
        summary.failures.push({ seed: job.seed, index, target: target.name, mutations, chunkSize, error });
      summary.cases++;
      try {
        const r = target.load(dir);
        summary.loaded++;
        stat.loaded++;
        const all = names.map((f) => (f === victim ? bytes : Buffer.from(target.files[f])).toString('utf8')).join('\n');
        // no replacement characters (unless the input holds a valid U+FFFD), no rounded numeric ids
        const fffd = (s: string) => s.includes('\ufffd') && !bytes.includes(Buffer.from([0xef, 0xbf, 0xbd]));
        for (const it of r.items) {
          if (fffd(it.rawId) || fffd(it.title)) fail(`loaded U+FFFD into item ${JSON.stringify(it)}`);
          if (/^\d{16,}$/.test(it.rawId) && !all.includes(it.rawId))
            fail(`item id ${it.rawId} does not occur in the input`);
        }
        for (const u of r.users) if (fffd(u)) fail(`loaded U+FFFD into user ${JSON.stringify(u)}`);
      } catch (e) {
        stat.failed++;
        const known = [...names, path.basename(dir)];
        if (!(e instanceof DataError)) {
          fail(`not a DataError: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
        } else if (!known.some((f) => e.message.startsWith(`${f}:`) && path.basename(e.file) === f)) {
          fail(`DataError not naming a file of the case: ${e.message}`);
        } else summary.dataErrors++;
      }
    }
  } finally {
    textReadSettings.chunkSize = saved;
    fs.rmSync(root, { recursive: true, force: true });
  }
  return summary;
}

if (!isMainThread && parentPort && (workerData as { fuzz?: FuzzJob } | null)?.fuzz) {
  const port = parentPort;
  const job = (workerData as { fuzz: FuzzJob }).fuzz;
  let last = 0;
  const summary = runFuzz(job, (index) => {
    const now = Date.now();
    if (now - last > 200) {
      last = now;
      port.postMessage({ progress: index });
    }
  });
  port.postMessage({ summary });
}
