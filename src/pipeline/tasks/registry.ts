// Task registry: name → task. A new task adds one line here (the run config's `task` key takes its values from it).
import { closest } from '../../util/suggest.js';
import { nextItem } from './next-item.js';
import type { Task } from './types.js';

const TASKS: Readonly<Record<string, Task>> = {
  [nextItem.name]: nextItem,
};

/**
 * The list-wise task (BLADE §2.1: a user's last 10 items → the next 10 as one ordered list). Its data, training and
 * evaluation differ from the next-item task's in kind (lists of targets, list decoders, list metrics, alignment), so
 * it is not a {@link Task}: runs with `task: 'list'` go to src/pipeline/list/run.ts (runExperiment dispatches).
 */
const LIST_TASK = {
  name: 'list',
  doc: "History → the next K items as one ordered list (BLADE), decoded greedily by default; Recall/NDCG@K, MGU, ILD; objectives sft / msl from scratch, or alignment (grpo, dpo, sdpo, listdpo) from align.init. Data: a list spec ('sequences:<dir>?task=list', 'interactions:<file>?task=list', 'embedded:genre-drift?task=list').",
} as const;

export const TASK_NAMES = [...Object.keys(TASKS), LIST_TASK.name];
export const TASK_DOCS: Readonly<Record<string, string>> = {
  ...Object.fromEntries(Object.values(TASKS).map((t) => [t.name, t.doc])),
  [LIST_TASK.name]: LIST_TASK.doc,
};

/** The task called `name`; an unknown name throws, listing the known ones. */
export function getTask(name: string): Task {
  const t = Object.prototype.hasOwnProperty.call(TASKS, name) ? TASKS[name] : undefined;
  if (name === LIST_TASK.name)
    throw new Error(
      'the list task is not a next-item task: its runs go through runListExperiment (src/pipeline/list/run.ts)',
    );
  if (t === undefined) {
    const hint = closest(name, TASK_NAMES);
    throw new Error(
      `unknown task '${name}'${hint ? ` (did you mean '${hint}'?)` : ''}; known: ${TASK_NAMES.join(', ')}`,
    );
  }
  return t;
}
