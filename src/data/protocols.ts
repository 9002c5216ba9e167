/**
 * Named evaluation protocols. A protocol turns chronological user sequences into train/valid/test next-item
 * examples; its name and every parameter are recorded in the returned `ProtocolInfo`.
 *
 * Windowing (both protocols, as in the BEAR code release, checked against its published amazon-office windows):
 * a sequence of n ≤ `window` interactions gives ONE window (target = last item, history = the rest); a longer
 * sequence gives n − window + 1 sliding windows of exactly `window` items (stride 1), so the first target is the
 * item at position window − 1 (0-based). Each window's target is one interaction; its timestamp is the target's.
 * Sequences with fewer than 2 interactions give no window (counted in the log).
 *
 * - `bear-windows`: all windows of all users are sorted by target timestamp (stable: ties keep user order of first
 *   appearance, then position); the first floor(train·N) go to train, the next floor(valid·N) to valid, the rest
 *   to test. With train 0.8 / valid 0.1 this reproduces the published Office (15,400 / 1,925 / 1,925 of 19,250),
 *   Book and Toy (38,344 / 4,793 / 4,794 of 47,931) row counts.
 * - `leave-one-out`: per user, the last interaction is the test target and the second-to-last the valid target
 *   (each with the up-to-(window−1) preceding items as history); the training windows are the windows (rule above)
 *   of the sequence without its last two items. Users with fewer than 3 interactions are dropped (logged).
 */
import { DataError } from './errors.js';
import type { Example, ProtocolInfo, UserSequence } from './types.js';

export interface SplitResult {
  train: Example[];
  valid: Example[];
  test: Example[];
  protocol: ProtocolInfo;
  log: string[];
}

// type aliases (not interfaces) so they are assignable to Record<string, number> in the registry
export type BearWindowsParams = {
  /** Window length: history (≤ window − 1) + target. Default 11. */
  window: number;
  /** Share of windows (earliest by target time) in train. Default 0.8. */
  train: number;
  /** Share of windows in valid (the next ones). Default 0.1; test gets the rest. */
  valid: number;
};

export type LeaveOneOutParams = {
  /** Window length: history (≤ window − 1) + target. Default 11. */
  window: number;
};

export type ProtocolName = 'bear-windows' | 'leave-one-out';

export interface ProtocolDef<P> {
  name: ProtocolName;
  description: string;
  defaults: P;
  apply(seqs: readonly UserSequence[], params: P): SplitResult;
}

/** BEAR windowing of one chronological sequence (see the module doc). */
export function slidingWindows(seq: UserSequence, window: number, upTo = seq.items.length): Example[] {
  const n = upTo;
  if (n < 2) return [];
  const out: Example[] = [];
  const firstTarget = n <= window ? n - 1 : window - 1;
  for (let t = firstTarget; t < n; t++) {
    out.push({
      user: seq.user,
      history: seq.items.slice(Math.max(0, t - (window - 1)), t),
      target: seq.items[t],
      timestamp: seq.timestamps[t],
    });
  }
  return out;
}

function checkWindow(window: number): void {
  if (!(Number.isInteger(window) && window >= 2)) {
    throw new DataError('(protocol)', undefined, 'window', `must be an integer ≥ 2, got ${window}`);
  }
}

const bearWindows: ProtocolDef<BearWindowsParams> = {
  name: 'bear-windows',
  description: 'sliding windows of `window`, all windows sorted by target time, chronological train:valid:test split',
  defaults: { window: 11, train: 0.8, valid: 0.1 },
  apply(seqs, params) {
    checkWindow(params.window);
    if (!(params.train > 0 && params.valid >= 0 && params.train + params.valid < 1)) {
      throw new DataError('(protocol)', undefined, 'train/valid', `need train > 0, valid ≥ 0, train + valid < 1`);
    }
    const log: string[] = [];
    const all: Example[] = [];
    let short = 0;
    for (const s of seqs) {
      const w = slidingWindows(s, params.window);
      if (w.length === 0) short++;
      for (const e of w) all.push(e);
    }
    if (short > 0) log.push(`${short} users with fewer than 2 interactions give no window`);
    const order = all.map((e, i) => ({ e, i })).sort((a, b) => a.e.timestamp - b.e.timestamp || a.i - b.i);
    const sorted = order.map((x) => x.e);
    const n = sorted.length;
    const nTrain = Math.floor(params.train * n);
    const nValid = Math.floor(params.valid * n);
    log.push(`${n} windows: ${nTrain} train, ${nValid} valid, ${n - nTrain - nValid} test (by target timestamp)`);
    return {
      train: sorted.slice(0, nTrain),
      valid: sorted.slice(nTrain, nTrain + nValid),
      test: sorted.slice(nTrain + nValid),
      protocol: {
        name: 'bear-windows',
        params: { window: params.window, train: params.train, valid: params.valid, split: 'chronological' },
      },
      log,
    };
  },
};

const leaveOneOut: ProtocolDef<LeaveOneOutParams> = {
  name: 'leave-one-out',
  description: "last item of each user to test, second-to-last to valid, the rest as training windows",
  defaults: { window: 11 },
  apply(seqs, params) {
    checkWindow(params.window);
    const log: string[] = [];
    const train: Example[] = [];
    const valid: Example[] = [];
    const test: Example[] = [];
    const h = params.window - 1;
    let dropped = 0;
    for (const s of seqs) {
      const n = s.items.length;
      if (n < 3) {
        dropped++;
        continue;
      }
      for (const e of slidingWindows(s, params.window, n - 2)) train.push(e);
      for (const [t, dest] of [
        [n - 2, valid],
        [n - 1, test],
      ] as const) {
        dest.push({ user: s.user, history: s.items.slice(Math.max(0, t - h), t), target: s.items[t], timestamp: s.timestamps[t] });
      }
    }
    if (dropped > 0) log.push(`${dropped} users with fewer than 3 interactions dropped (leave-one-out needs 3)`);
    log.push(`${train.length} train windows, ${valid.length} valid, ${test.length} test (leave-one-out)`);
    return { train, valid, test, protocol: { name: 'leave-one-out', params: { window: params.window } }, log };
  },
};

/** The registry: every named protocol with its defaults. */
export const PROTOCOLS = {
  'bear-windows': bearWindows,
  'leave-one-out': leaveOneOut,
} as const;

export function isProtocolName(name: string): name is ProtocolName {
  return Object.prototype.hasOwnProperty.call(PROTOCOLS, name);
}

/**
 * Applies a named protocol with `overrides` on top of its defaults. Unknown names or parameter keys fail loudly.
 */
export function applyProtocol(
  name: string,
  seqs: readonly UserSequence[],
  overrides: Record<string, number> = {},
): SplitResult {
  if (!isProtocolName(name)) {
    throw new DataError('(spec)', undefined, 'protocol', `unknown protocol "${name}" (known: ${Object.keys(PROTOCOLS).join(', ')})`);
  }
  const def = PROTOCOLS[name] as ProtocolDef<Record<string, number>>;
  const params: Record<string, number> = { ...def.defaults };
  for (const [k, v] of Object.entries(overrides)) {
    if (!(k in def.defaults)) {
      throw new DataError('(spec)', undefined, `protocolParams.${k}`, `unknown parameter for ${name} (known: ${Object.keys(def.defaults).join(', ')})`);
    }
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new DataError('(spec)', undefined, `protocolParams.${k}`, `expected a number, got ${JSON.stringify(v)}`);
    }
    params[k] = v;
  }
  return def.apply(seqs, params);
}
