// The CLI's option parsing: every command option is checked and errors name it; a flag without a value is never read
// as "true" except for true/false options; help exits 0 on stdout.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseCommandArgs, type CommandSpec } from '../src/util/argv.js';

const here = dirname(fileURLToPath(import.meta.url));
const CLI = join(here, '..', 'src', 'cli', 'main.js');
const BENCH = join(here, '..', 'bench', 'main.js');

const spec: CommandSpec = {
  name: 'cmd',
  options: { run: 'string', k: 'positive', users: 'count', resume: 'bool', split: ['test', 'valid'] },
  config: true,
};

test('cli args: a command with positional words (genrec report RUN...) collects them; a bare true/false option takes none', () => {
  const report: CommandSpec = {
    name: 'report',
    options: { out: 'string', tree: 'bool', user: 'count' },
    config: false,
    positional: { name: 'RUN', min: 1 },
  };
  assert.deepEqual(parseCommandArgs(report, ['a', '--out', 'r.html', 'b', '--tree', 'c', '--user', '2']), {
    options: { out: 'r.html', tree: true, user: 2 },
    configArgv: [],
    positional: ['a', 'b', 'c'],
  });
  assert.deepEqual(parseCommandArgs(report, ['a', '--tree', 'false']).options, { tree: false });
  assert.throws(() => parseCommandArgs(report, ['--out', 'r.html']), /report: needs at least 1 RUN argument/);
  assert.throws(() => parseCommandArgs(report, ['a', '--user', 'x']), /--user must be an integer ≥ 0, got 'x'/);
  assert.throws(() => parseCommandArgs(report, ['a', '--tree=maybe']), /--tree must be true or false, got 'maybe'/);
  assert.throws(() => parseCommandArgs(report, ['a', '--']), /unexpected argument '--'/);
  assert.equal(parseCommandArgs(spec, ['--run', 'd']).positional, undefined, 'only for a spec with positional');
});

test('cli args: values are checked per kind, and errors name the option', () => {
  assert.deepEqual(
    parseCommandArgs(spec, [
      '--run',
      'd',
      '--k=3',
      '--users',
      '0',
      '--resume',
      '--split',
      'valid',
      '--trainer.lr',
      '1',
    ]),
    { options: { run: 'd', k: 3, users: 0, resume: true, split: 'valid' }, configArgv: ['--trainer.lr', '1'] },
  );
  assert.deepEqual(parseCommandArgs(spec, ['--resume', 'false']).options, { resume: false });
  const bad: [string[], RegExp][] = [
    [['--k', 'abc'], /cmd: --k must be an integer ≥ 1, got 'abc'/],
    [['--k', '0'], /--k must be an integer ≥ 1, got '0'/],
    [['--k', '2.5'], /--k must be an integer ≥ 1/],
    [['--k', '1e3'], /--k must be an integer ≥ 1/],
    [['--users', 'abc'], /--users must be an integer ≥ 0, got 'abc'/],
    [['--users', '-5'], /--users must be an integer ≥ 0, got '-5'/],
    [['--users', '99999999999999999999'], /--users must be an integer ≥ 0/],
    [['--resume', 'yes'], /--resume must be true or false, got 'yes'/],
    [['--resume', '1'], /--resume must be true or false, got '1'/],
    [['--split', 'train'], /--split must be one of test, valid, got 'train'/],
    [['--run'], /cmd: --run needs a value/],
    [['--run', '--k', '3'], /--run needs a value/],
    [['--run='], /--run must be a non-empty value/],
    [['--k', '3', '--k', '4'], /--k given twice/],
    [['stray'], /unexpected argument 'stray'/],
  ];
  for (const [argv, re] of bad) assert.throws(() => parseCommandArgs(spec, argv), re, argv.join(' '));
  assert.throws(
    () => parseCommandArgs({ ...spec, config: false }, ['--trainer.lr', '1']),
    /cmd: unknown option --trainer\.lr \(options: --run, --k, --users, --resume, --split\)/,
  );
});

function genrec(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
}

test('cli: help exits 0 on stdout; an unknown command exits 2 on stderr', () => {
  for (const h of [[], ['--help'], ['-h'], ['help']]) {
    const r = genrec(...h);
    assert.equal(r.status, 0, h.join(' '));
    assert.match(r.stdout, /usage: genrec/);
    assert.equal(r.stderr, '');
  }
  const u = genrec('bogus');
  assert.equal(u.status, 2);
  assert.match(u.stderr, /unknown command 'bogus'/);
});

test('cli: valueless and malformed options fail naming the option, before any work', () => {
  const cases: [string[], RegExp][] = [
    [['recommend', '--run', 'nowhere', '--history'], /recommend: --history needs a value/],
    [['train', '--config'], /train: --config needs a value/],
    [['train', '--out'], /--out needs a value/],
    [
      ['recommend', '--run', 'nowhere', '--history', '1', '--k', 'abc'],
      /recommend: --k must be an integer ≥ 1, got 'abc'/,
    ],
    [['diagnose', '--run', 'nowhere', '--users', 'abc'], /diagnose: --users must be an integer ≥ 0, got 'abc'/],
    [['diagnose', '--run', 'nowhere', '--users', '-5'], /diagnose: --users must be an integer ≥ 0, got '-5'/],
    [['train', '--resume', 'yes'], /train: --resume must be true or false, got 'yes'/],
    [['recommend', '--run', 'nowhere', '--history', '1', '--eval.beamWidth', '3'], /recommend: unknown option/],
  ];
  for (const [args, re] of cases) {
    const r = genrec(...args);
    assert.equal(r.status, 1, args.join(' '));
    assert.match(r.stderr, re, args.join(' '));
    assert.doesNotMatch(r.stderr, /beamWidth: /, 'the error blames the option given, not another key');
  }
});

test('cli args: text options take any string, the empty one included; option types follow the kinds', () => {
  const tags = parseCommandArgs({ name: 'b', options: { tag: 'text', n: 'count', on: 'bool' }, config: false }, [
    '--tag',
    '',
    '--n=0',
    '--on',
  ]);
  assert.deepEqual(tags.options, { tag: '', n: 0, on: true });
  const n: number | undefined = tags.options.n; // typed per kind
  assert.equal(n, 0);
  assert.throws(
    () => parseCommandArgs({ name: 'b', options: { tag: 'text' }, config: false }, ['--tag']),
    /b: --tag needs a value/,
  );
});

function bench(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, [BENCH, ...args], { encoding: 'utf8' });
}

test('bench: every bench parses its flags with the same parser, failing before any work and naming the flag', () => {
  // benches with their own options only: the parser refuses the flag; benches that forward the rest to a
  // configuration (office, sid, bear: the run config; sasrec: SasrecConfig) let that configuration refuse it
  for (const b of ['engine', 'objectives', 'exact', 'scoring', 'figure'])
    assert.match(bench(b, '--bogus', '1').stderr, new RegExp(`bench ${b}: unknown option --bogus`), b);
  for (const b of ['office', 'sid', 'bear', 'sasrec']) {
    const r = bench(b, '--bogus', '1');
    assert.equal(r.status, 1, b);
    assert.match(r.stderr, /unknown key 'bogus'/, b);
  }
  const cases: [string[], RegExp][] = [
    [['engine', '--steps', 'abc'], /bench engine: --steps must be an integer ≥ 0, got 'abc'/],
    [['engine', '--threads', '2', '--threads', '3'], /bench engine: --threads given twice/],
    [['scoring', '--set', 'x', '--diagnose', 'yes'], /bench scoring: --diagnose must be true or false, got 'yes'/],
    [['scoring', '--set'], /bench scoring: --set needs a value/],
    [['exact', '--run', 'd', '--users', '0'], /bench exact: --users must be an integer ≥ 1, got '0'/],
    [['exact', '--run', 'd', '--split', 'train'], /bench exact: --split must be one of test, valid, got 'train'/],
    [['figure', 'stray'], /bench figure: unexpected argument 'stray'/],
    [['bear', '--embedded', 'yes'], /bench bear: --embedded must be true or false, got 'yes'/],
    [['bear', '--seeds', '0'], /bench bear: --seeds must be an integer ≥ 1, got '0'/],
    [['bear', '--trainer.epochs=x'], /run\.trainer\.epochs: must be an integer/],
    [['office', '--reuse=maybe'], /bench office: --reuse must be true or false, got 'maybe'/],
    [['sasrec', '--data', 'all'], /bench sasrec: --data must be one of embedded, office, both, got 'all'/],
    [['sasrec', '--maxEpochs', 'x'], /maxEpochs: must be an integer/],
  ];
  for (const [argv, re] of cases) {
    const r = bench(...argv);
    assert.equal(r.status, 1, argv.join(' '));
    assert.match(r.stderr, re, argv.join(' '));
  }
  const u = bench('nosuch');
  assert.equal(u.status, 2);
  assert.match(u.stderr, /usage: npm run bench/);
});
