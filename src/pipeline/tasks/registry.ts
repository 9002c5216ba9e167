// Task registry: name → task. A new task adds one line here (the run config's `task` key takes its values from it).
import { closest } from '../../util/suggest.js';
import { nextItem } from './next-item.js';
import type { Task } from './types.js';

export const TASKS: Readonly<Record<string, Task>> = {
  [nextItem.name]: nextItem,
};

export const TASK_NAMES = Object.keys(TASKS);

/** The task called `name`; an unknown name throws, listing the known ones. */
export function getTask(name: string): Task {
  const t = Object.prototype.hasOwnProperty.call(TASKS, name) ? TASKS[name] : undefined;
  if (t === undefined) {
    const hint = closest(name, TASK_NAMES);
    throw new Error(
      `unknown task '${name}'${hint ? ` (did you mean '${hint}'?)` : ''}; known: ${TASK_NAMES.join(', ')}`,
    );
  }
  return t;
}
