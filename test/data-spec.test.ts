// The `interactions:` data-set spec options (reliability issue item 9): titles, protocol, kcore and the
// protocol's parameters reach loadInteractions, validated, and work end to end through `genrec prepare`.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { parseDatasetSpec } from '../src/pipeline/dataset.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'genrec-spec-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('interactions: spec options', () => {
  it('parses titles (relative to the log), protocol, kcore and protocol parameters', () => {
    assert.deepEqual(parseDatasetSpec('interactions:data/log.csv'), { format: 'interactions', file: 'data/log.csv' });
    assert.deepEqual(
      parseDatasetSpec('interactions:data/log.csv?titles=items.jsonl&protocol=leave-one-out&kcore=3&window=5'),
      {
        format: 'interactions',
        file: 'data/log.csv',
        titles: path.join('data', 'items.jsonl'),
        protocol: 'leave-one-out',
        kcore: 3,
        protocolParams: { window: 5 },
      },
    );
    assert.deepEqual(parseDatasetSpec('interactions:log.csv?titles=/abs/t.json&train=0.7&valid=0.15&kcore=0'), {
      format: 'interactions',
      file: 'log.csv',
      titles: '/abs/t.json',
      kcore: 0,
      protocolParams: { train: 0.7, valid: 0.15 },
    });
  });
  it('windows: integer options reject hex, spaces, exponents and unsafe integers', () => {
    for (const v of ['0x10', ' 12', '1e3', '12345678901234567890', '1.5', '-1']) {
      assert.throws(() => parseDatasetSpec(`windows:d?trainSample=${v}`), /trainSample/);
    }
    assert.deepEqual(parseDatasetSpec('windows:d?trainSample=10&sampleSeed=3'), {
      format: 'windows',
      dir: 'd',
      trainSample: 10,
      sampleSeed: 3,
    });
  });
  it('rejects bad values, naming the option', () => {
    const bad: [string, RegExp][] = [
      ['interactions:l.csv?protocol=random', /unknown protocol 'random'.*known: bear-windows, leave-one-out/],
      ['interactions:l.csv?kcore=0x10', /'kcore'.*integer/],
      ['interactions:l.csv?kcore=-1', /'kcore'.*integer ≥ 0/],
      ['interactions:l.csv?kcore= 5', /'kcore'/],
      ['interactions:l.csv?window=1', /'window'.*≥ 2/],
      ['interactions:l.csv?train=1.5', /'train'.*fraction/],
      ['interactions:l.csv?valid=Infinity', /'valid'.*fraction/],
      ['interactions:l.csv?protocol=leave-one-out&train=0.5', /'train'.*does not apply to protocol leave-one-out/],
      ['interactions:l.csv?titles=', /'titles=' .*needs a value/],
      ['interactions:l.csv?kcore=3&kcore=4', /'kcore' given twice/],
      [
        'interactions:l.csv?title=x.json',
        /unknown option 'title'.*known: titles, protocol, kcore, window, train, valid/,
      ],
      ['interactions:?kcore=3', /needs a file/],
    ];
    for (const [spec, re] of bad) assert.throws(() => parseDatasetSpec(spec), re, spec);
  });
});

describe('genrec prepare with an interactions: spec (CLI, end to end)', () => {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
  const cli = path.join(root, 'dist', 'src', 'cli', 'main.js');
  it(
    'loads titles, applies leave-one-out and the k-core',
    { skip: !fs.existsSync(cli) && 'dist/src/cli/main.js not built' },
    () => {
      const dir = path.join(tmp, 'log');
      fs.mkdirSync(dir);
      // 12 users × 6 interactions over 8 items, plus a user with 2 interactions (removed by the 3-core)
      const rows = ['user,item,timestamp'];
      for (let u = 0; u < 12; u++) for (let k = 0; k < 6; k++) rows.push(`u${u},i${(u + 3 * k) % 8},${100 * u + k}`);
      rows.push('rare,i0,5000', 'rare,i1,5001');
      fs.writeFileSync(path.join(dir, 'log.csv'), rows.join('\n') + '\n');
      fs.writeFileSync(
        path.join(dir, 'items.jsonl'),
        Array.from({ length: 8 }, (_, i) => JSON.stringify({ item: `i${i}`, title: `Title ${i}` })).join('\n') + '\n',
      );
      const spec = `interactions:${path.join(dir, 'log.csv')}?titles=items.jsonl&protocol=leave-one-out&kcore=3&window=4`;
      const out = execFileSync(process.execPath, [cli, 'prepare', '--dataset', spec], { encoding: 'utf8', cwd: tmp });
      const first = JSON.parse(out.slice(0, out.indexOf('\n}\n') + 2)) as {
        dataset: string;
        protocol: { name: string; params: Record<string, unknown> };
        stats: { users: number; items: number; test: { rows: number } };
        log: string[];
      };
      assert.equal(first.dataset, 'log');
      assert.deepEqual(first.protocol, { name: 'leave-one-out', params: { window: 4, kcore: 3 } });
      assert.deepEqual([first.stats.users, first.stats.items, first.stats.test.rows], [12, 8, 12]);
      assert.ok(first.log.includes('8 item titles read from items.jsonl'), first.log.join('\n'));
      assert.ok(!first.log.some((l) => /have no title/.test(l)), 'every item titled');
      assert.ok(
        first.log.some((l) => /3-core round 1: 1 users/.test(l)),
        first.log.join('\n'),
      );
    },
  );
});
