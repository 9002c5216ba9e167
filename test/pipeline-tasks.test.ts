// Tasks as plug-ins: the run config's `task` key takes its values from the registry, and the next-item task builds,
// trains on and scores examples as the pipeline did before tasks were a setting.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveRunConfig, RunConfigDef } from '../src/pipeline/config.js';
import { expandPrefixes } from '../src/pipeline/task.js';
import { getTask, TASK_NAMES } from '../src/pipeline/tasks/registry.js';
import { nextItem } from '../src/pipeline/tasks/next-item.js';
import type { Example } from '../src/data/types.js';

test('tasks: the registry names the run config key values; unknown names fail with a suggestion', () => {
  assert.deepEqual(TASK_NAMES, ['next-item', 'list']);
  assert.equal(getTask('next-item'), nextItem);
  assert.throws(
    () => getTask('next-items'),
    /unknown task 'next-items' \(did you mean 'next-item'\?\); known: next-item/,
  );
  // the list task is named in the registry but runs through runListExperiment
  assert.throws(() => getTask('list'), /runListExperiment/);
  const cfg = resolveRunConfig([]);
  assert.equal(cfg.task, 'next-item');
  assert.equal(RunConfigDef.fromFlags({ task: 'list' }, 'command line').task, 'list');
  assert.throws(() => RunConfigDef.fromFlags({ task: 'lists' }, 'command line'), /task/);
  assert.match(RunConfigDef.docs(), /\| `task` \| .*'next-item' \(History → the next item/);
  assert.match(RunConfigDef.docs(), /'list' \(History → the next K items/);
  // a list run sizes the model's response positions for its lists; alignment objectives need the list task
  const list = resolveRunConfig([{ value: { task: 'list' }, source: 'test' }]);
  assert.equal(list.model.responseItems, list.list.listLength);
  assert.throws(() => resolveRunConfig([{ value: { objective: 'grpo' }, source: 'test' }]), /--task list/);
});

test('tasks: next-item training examples are the windows, or every prefix of each window', () => {
  const rows: Example[] = [
    { user: 'u0', history: [1, 2, 3], target: 4, timestamp: 1 },
    { user: 'u1', history: [5], target: 6, timestamp: 2 },
  ];
  const flat = resolveRunConfig([{ value: { trainOnPrefixes: false }, source: 'test' }]);
  const prefixes = resolveRunConfig([{ value: { trainOnPrefixes: true }, source: 'test' }]);
  assert.deepEqual(nextItem.trainingExamples(rows, flat), rows);
  assert.deepEqual(nextItem.trainingExamples(rows, prefixes), expandPrefixes(rows));
  assert.equal(nextItem.trainingExamples(rows, prefixes).length, 4);
  assert.deepEqual(nextItem.metricNames(resolveRunConfig([{ value: { eval: { ks: [1, 5] } }, source: 'test' }])), [
    'hr@1',
    'ndcg@1',
    'hr@5',
    'ndcg@5',
  ]);
});

test("tasks: prefixTargets 'novel' adds only the prefixes whose target no sliding window covers", () => {
  // user a's sequence 1 2 3 4 5 6 cut into sliding windows of 4 (history 3 → target); user b: one short window
  const rows: Example[] = [
    { user: 'a', history: [1, 2, 3], target: 4, timestamp: 1 },
    { user: 'a', history: [2, 3, 4], target: 5, timestamp: 2 },
    { user: 'a', history: [3, 4, 5], target: 6, timestamp: 3 },
    { user: 'b', history: [4, 5], target: 6, timestamp: 1 },
  ];
  const key = (e: Example): string => `${e.user}:${e.history.join(' ')}>${e.target}`;
  const all = expandPrefixes(rows, 'all');
  assert.equal(all.length, 4 + 2 + 2 + 2 + 1);
  // targets 2 and 3 of user a (positions no window predicts) and b's 4 → 5; never a's [2] → 3 or [2 3] → 4, which
  // the windows (1 2 → 3 as a prefix, 1 2 3 → 4 as a row) already train with longer histories
  assert.deepEqual(expandPrefixes(rows, 'novel').map(key), [
    'a:1>2',
    'a:1 2>3',
    'a:1 2 3>4',
    'a:2 3 4>5',
    'a:3 4 5>6',
    'b:4>5',
    'b:4 5>6',
  ]);
  // the same position reached twice with the same preceding items is added once
  const twice = [rows[0], { ...rows[0], timestamp: 5 }];
  assert.equal(expandPrefixes(twice, 'novel').filter((e) => e.target === 2).length, 1);
  const cfg = resolveRunConfig([{ value: { trainOnPrefixes: true, prefixTargets: 'novel' }, source: 'test' }]);
  assert.deepEqual(nextItem.trainingExamples(rows, cfg), expandPrefixes(rows, 'novel'));
  assert.throws(() => RunConfigDef.fromFlags({ prefixTargets: 'some' }, 'command line'), /prefixTargets/);
});
