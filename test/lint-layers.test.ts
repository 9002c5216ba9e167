// The layer rules of .dependency-cruiser.cjs (run by `npm run lint`): a fixture tree with one deliberate violation
// of each rule fails with that rule's name, a downward import passes, and the real tree passes. Needs the dev
// dependencies (npm ci); without them this test fails rather than skips.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const depcruise = join(root, 'node_modules', '.bin', 'depcruise');
const config = join(root, '.dependency-cruiser.cjs');

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function run(args: string[], cwd: string): Promise<Run> {
  assert.ok(existsSync(depcruise), `${depcruise} is missing: install the dev dependencies with  npm ci`);
  return new Promise((done, fail) => {
    // plain text whatever the environment asks for (CI=true turns colours on)
    const child = spawn(depcruise, args, { cwd, env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('error', fail);
    const plain = (t: string): string => t.replace(/\x1b\[[0-9;]*m/g, '');
    child.on('close', (status) => done({ status, stdout: plain(stdout), stderr: plain(stderr) }));
  });
}

/** One module per entry: path → source. */
const FIXTURE: Record<string, string> = {
  // Upward: data (layer 2) imports pipeline (layer 7).
  'src/data/reader.ts': "import { steps } from '../pipeline/run.js';\nexport const reader = steps;\n",
  'src/pipeline/run.ts': 'export const steps = 1;\n',
  // Downward: pipeline imports data and util. Allowed.
  'src/pipeline/ok.ts':
    "import { reader } from '../data/reader.js';\nimport { a } from '../util/a.js';\nexport const ok = reader + a;\n",
  // Module cycle inside one folder.
  'src/util/a.ts': "import { b } from './b.js';\nexport const a = 1;\nexport const ab = () => b;\n",
  'src/util/b.ts': "import { a } from './a.js';\nexport const b = () => a;\n",
  // Folder cycle within a layer (model ↔ decode) without a module cycle.
  'src/model/m.ts': "import { d } from '../decode/d.js';\nexport const m = d;\n",
  'src/model/m2.ts': 'export const m2 = 2;\n',
  'src/decode/d.ts': "import { m2 } from '../model/m2.js';\nexport const d = m2;\n",
  // A folder missing from LAYERS.
  'src/misc/x.ts': "import { steps } from '../pipeline/run.js';\nexport const x = steps;\n",
  // src must not import test/.
  'src/engine/e.ts': "import { t } from '../../test/t.js';\nexport const e = t;\n",
  'test/t.ts': 'export const t = 3;\n',
  'tsconfig.json': JSON.stringify({
    compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true },
    include: ['src/**/*.ts', 'test/**/*.ts'],
  }),
};

interface Violation {
  from: string;
  to: string;
  rule: { name: string };
}

test('layer rules: each deliberate violation is reported under its rule; a downward import is not', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'genrec-layers-'));
  try {
    for (const [p, text] of Object.entries(FIXTURE)) {
      mkdirSync(dirname(join(dir, p)), { recursive: true });
      writeFileSync(join(dir, p), text);
    }
    const [r, lint] = await Promise.all([
      run(['--config', config, '--output-type', 'json', 'src', 'test'], dir),
      run(['--config', config, 'src', 'test'], dir), // as `npm run lint` runs it
    ]);
    assert.notEqual(lint.status, 0, 'depcruise (as in npm run lint) must exit non-zero');
    assert.match(
      lint.stdout,
      /error layer-upward:data\+report\+rewards: src\/data\/reader\.ts → src\/pipeline\/run\.ts/,
    );
    assert.equal(r.status, 0, r.stderr); // the json reporter exits 0 whatever it finds
    const out = JSON.parse(r.stdout) as { summary: { violations: Violation[] } };
    const found = out.summary.violations.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`).sort();
    const has = (rule: string, from: string, to: string): void =>
      assert.ok(
        found.includes(`${rule}: ${from} -> ${to}`),
        `expected ${rule} ${from} -> ${to}; got\n${found.join('\n')}`,
      );
    has('layer-upward:data+report+rewards', 'src/data/reader.ts', 'src/pipeline/run.ts');
    has('no-circular', 'src/util/a.ts', 'src/util/b.ts');
    has('layer-folder-cycle', 'src/model', 'src/decode');
    has('layer-unlisted', 'src/misc/x.ts', 'src/pipeline/run.ts');
    has('src-not-to-bench-or-test', 'src/engine/e.ts', 'test/t.ts');
    assert.ok(
      !found.some((f) => f.includes('src/pipeline/ok.ts ->')),
      `downward imports flagged:\n${found.join('\n')}`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('layer rules: the real tree passes', async () => {
  const r = await run(['--config', config, 'src', 'bench', 'test'], root);
  assert.equal(r.status, 0, `depcruise reported violations:\n${r.stdout}${r.stderr}`);
});
