// Deterministic memory: every tensor created inside `tidy(fn)` is freed when fn returns,
// except the tensors it returns (moved to the enclosing scope) and those passed to `keep`.
// Tensors created outside any scope live until `dispose()` (or, as a safety net, until the
// garbage collector finalises their handle).

export interface Disposable {
  dispose(): void;
  readonly isDisposed: boolean;
}

interface Scope {
  tracked: Disposable[];
}

const stack: Scope[] = [];
const kept = new WeakSet<Disposable>();

/** Called by every tensor constructor. */
export function track<T extends Disposable>(t: T): T {
  const top = stack[stack.length - 1];
  if (top) top.tracked.push(t);
  return t;
}

/** Exempts `t` from disposal by any enclosing scope; the caller owns it now. */
export function keep<T extends Disposable>(t: T): T {
  kept.add(t);
  return t;
}

/** Returns a kept tensor to scope management (it will be freed by the innermost scope). */
export function unkeep<T extends Disposable>(t: T): T {
  kept.delete(t);
  track(t);
  return t;
}

function collect(v: unknown, out: Set<Disposable>, depth: number): void {
  if (v === null || typeof v !== 'object' || depth > 8) return;
  if (typeof (v as Disposable).dispose === 'function' && 'isDisposed' in (v as object)) {
    out.add(v as Disposable);
    return;
  }
  if (Array.isArray(v)) {
    for (const e of v) collect(e, out, depth + 1);
    return;
  }
  if (v instanceof Map) {
    for (const e of v.values()) collect(e, out, depth + 1);
    return;
  }
  if (Object.getPrototypeOf(v) === Object.prototype) {
    for (const e of Object.values(v as Record<string, unknown>)) collect(e, out, depth + 1);
  }
}

function close(scope: Scope, result: unknown): void {
  const survivors = new Set<Disposable>();
  collect(result, survivors, 0);
  const parent = stack[stack.length - 1];
  for (const t of scope.tracked) {
    if (survivors.has(t)) {
      if (parent) parent.tracked.push(t);
    } else if (!kept.has(t) && !t.isDisposed) {
      t.dispose();
    }
  }
}

/** Runs fn in a memory scope (see module comment). Tensors in the result (also inside arrays,
 *  Maps and plain objects, up to 8 levels deep) survive into the enclosing scope. */
export function tidy<T>(fn: () => T): T {
  const scope: Scope = { tracked: [] };
  stack.push(scope);
  let result: T;
  try {
    result = fn();
  } catch (e) {
    stack.pop();
    close(scope, undefined);
    throw e;
  }
  stack.pop();
  if (result instanceof Promise) {
    close(scope, undefined);
    throw new Error('tidy: fn returned a Promise; use tidyAsync for async work');
  }
  close(scope, result);
  return result;
}

/** Async variant: the scope stays open across awaits, so do not interleave two tidyAsync calls. */
export async function tidyAsync<T>(fn: () => Promise<T>): Promise<T> {
  const scope: Scope = { tracked: [] };
  stack.push(scope);
  const depth = stack.length;
  let result: T;
  try {
    result = await fn();
  } catch (e) {
    if (stack.length === depth) stack.pop();
    close(scope, undefined);
    throw e;
  }
  if (stack.length !== depth) throw new Error('tidyAsync: scopes were interleaved');
  stack.pop();
  close(scope, result);
  return result;
}

export function scopeDepth(): number {
  return stack.length;
}
