/**
 * The list-wise task's data (BLADE §2.1: the model generates one ordered list of K items for a user; §4.1.1: "a
 * sliding window approach, utilizing the past 10 items as the user history context and the subsequent 10 items as
 * the target recommendation list"). The paper states neither the stride nor the split; ours, recorded in
 * `protocol.params` (protocol name `list-windows`):
 *
 * Windows, per user, over the time-ordered sequence items[0 .. n):
 * - A user with fewer than `minLength` interactions (default H + K = 20) is dropped (counted in the log).
 * - Cut points are aligned to the END of the sequence: p = n − K, n − K − stride, n − K − 2·stride, … while
 *   p ≥ minLength − K. Cut p gives history = items[max(0, p − H) .. p) and targets = items[p .. p + K), both
 *   oldest first; the example's `timestamp` is that of items[p], its first target (the list is recommended then).
 *   So each kept user's newest interaction is the last target of its newest window, and with the default
 *   minLength every history is full (H items); a smaller minLength (≥ K + 1) admits shorter first histories
 *   (minLength − K … H items).
 * - `stride` defaults to K: a user's target lists tile the end of the sequence without overlap, so no interaction is
 *   a target twice. (Stride 1, the densest sliding window, would also put 9 of each test list's 10 targets into the
 *   same user's previous list, a training example.)
 *
 * Split (chronological by the first target's time): all windows of all users are sorted by `timestamp` (stable:
 * ties keep the users' order in the source, then window order); the first floor(train·N) go to train, the next
 * floor(valid·N) to valid, the rest to test (defaults train 0.8, valid 0.1: the 8:1:1 chronological split of the
 * project's next-item protocol, `bear-windows`). A window's later targets may fall after the boundary its first
 * target put it behind; the history of a valid / test window may hold items that are train targets.
 *
 * Every split must get at least one window (valid may be empty only with valid = 0); otherwise, or when no user is
 * long enough, the load fails naming the source file and the requirement. Genres: `hasGenres` is true when some
 * catalogue item has a `genres` list; `genres: false` drops every item's genres (the "genres unavailable" case).
 */
import { DataError } from './errors.js';
import { loadInteractionSequences, type InteractionSourceOptions } from './interactions.js';
import { fingerprintOf } from './items.js';
import { loadSequencesDir, type SequencesDirOptions } from './sequences.js';
import type { Item, ListDataset, ListExample, SequenceData, UserSequence } from './types.js';

/** How sequences become list examples (see the module doc); every field is optional. */
export interface ListWindowOptions {
  /** History length H (default 10). */
  history?: number;
  /** Target list length K (default 10). */
  targets?: number;
  /** Distance between a user's consecutive cut points (default K: target lists do not overlap). */
  stride?: number;
  /** Users with fewer interactions are dropped (default H + K; at least K + 1). */
  minLength?: number;
  /** Share of windows, earliest first-target times first, in train (default 0.8). */
  train?: number;
  /** Share of windows in valid, the next ones (default 0.1; test gets the rest). */
  valid?: number;
  /** Keep the items' genres (default true); false drops them (`hasGenres` false). */
  genres?: boolean;
}

interface ListParams {
  history: number;
  targets: number;
  stride: number;
  minLength: number;
  train: number;
  valid: number;
  genres: boolean;
}

const OPTIONS = '(list options)';

function intParam(v: unknown, field: string, min: number, rule = `an integer ≥ ${min}`): number {
  if (!(typeof v === 'number' && Number.isInteger(v) && v >= min)) {
    throw new DataError(OPTIONS, undefined, field, `must be ${rule}, got ${JSON.stringify(v)}`);
  }
  return v;
}

/** The options with their defaults, checked; a bad value fails naming the option. */
function listParams(opts: ListWindowOptions): ListParams {
  const history = intParam(opts.history ?? 10, 'history', 1);
  const targets = intParam(opts.targets ?? 10, 'targets', 1);
  const stride = intParam(opts.stride ?? targets, 'stride', 1);
  const minLength = intParam(
    opts.minLength ?? history + targets,
    'minLength',
    targets + 1,
    `an integer ≥ targets + 1 = ${targets + 1} (a window needs a history)`,
  );
  const frac = (v: unknown, field: string, zeroOk: boolean): number => {
    if (!(typeof v === 'number' && (zeroOk ? v >= 0 : v > 0) && v < 1)) {
      const range = zeroOk ? '[0, 1)' : '(0, 1)';
      throw new DataError(OPTIONS, undefined, field, `must be a fraction in ${range}, got ${JSON.stringify(v)}`);
    }
    return v;
  };
  const train = frac(opts.train ?? 0.8, 'train', false);
  const valid = frac(opts.valid ?? 0.1, 'valid', true);
  if (!(train + valid < 1)) {
    throw new DataError(OPTIONS, undefined, 'valid', `train + valid must be < 1 (test needs a share), got ${train} + ${valid}`);
  }
  const genres = opts.genres ?? true;
  if (typeof genres !== 'boolean') throw new DataError(OPTIONS, undefined, 'genres', `must be true or false, got ${JSON.stringify(genres)}`);
  return { history, targets, stride, minLength, train, valid, genres };
}

function windowsOf(seq: UserSequence, p: ListParams): ListExample[] {
  const out: ListExample[] = [];
  const n = seq.items.length;
  if (n < p.minLength) return out;
  for (let cut = n - p.targets; cut >= p.minLength - p.targets; cut -= p.stride) {
    out.push({
      user: seq.user,
      history: seq.items.slice(Math.max(0, cut - p.history), cut),
      targets: seq.items.slice(cut, cut + p.targets),
      timestamp: seq.timestamps[cut],
    });
  }
  return out.reverse();
}

/** One user's list windows, oldest first (the module doc's rule); none when the user is shorter than minLength. */
export function listWindows(seq: UserSequence, opts: ListWindowOptions = {}): ListExample[] {
  return windowsOf(seq, listParams(opts));
}

function buildList(data: SequenceData, p: ListParams, file: string): ListDataset {
  const log = [...data.log];
  const all: ListExample[] = [];
  let kept = 0;
  let longest = 0;
  for (const s of data.sequences) {
    longest = Math.max(longest, s.items.length);
    const ws = windowsOf(s, p);
    if (ws.length > 0) kept++;
    for (const w of ws) all.push(w);
  }
  const need =
    p.minLength === p.history + p.targets
      ? `minLength ${p.minLength} = history ${p.history} + targets ${p.targets}`
      : `minLength ${p.minLength}`;
  if (kept === 0) {
    throw new DataError(
      file,
      undefined,
      undefined,
      `list task: no user has the ${need} interactions a list window needs (the longest of the ${data.sequences.length} sequences has ${longest})`,
    );
  }
  const dropped = data.sequences.length - kept;
  if (dropped > 0) log.push(`${dropped} of ${data.sequences.length} users have fewer than ${p.minLength} interactions: dropped`);
  const sorted = all
    .map((e, i) => ({ e, i }))
    .sort((a, b) => a.e.timestamp - b.e.timestamp || a.i - b.i)
    .map((x) => x.e);
  const n = sorted.length;
  const nTrain = Math.floor(p.train * n);
  const nValid = Math.floor(p.valid * n);
  const train = sorted.slice(0, nTrain);
  const valid = sorted.slice(nTrain, nTrain + nValid);
  const test = sorted.slice(nTrain + nValid);
  const counts = `${train.length} train, ${valid.length} valid, ${test.length} test`;
  if (train.length === 0 || test.length === 0 || (p.valid > 0 && valid.length === 0)) {
    throw new DataError(
      file,
      undefined,
      undefined,
      `list task: ${n} windows (${need}, stride ${p.stride}) from ${kept} users split ${p.train} / ${p.valid} / rest ` +
        `give ${counts}: every split needs at least one window (more users, a smaller stride or other fractions)`,
    );
  }
  log.push(
    `${n} list windows (history ${p.history}, targets ${p.targets}, stride ${p.stride}) from ${kept} users: ${counts} (by first-target time)`,
  );
  let items: Item[] = data.items;
  if (!p.genres) {
    items = data.items.map(({ genres: _g, ...rest }) => rest);
    log.push('genres dropped (genres: false)');
  }
  const withGenres = items.filter((it) => it.genres !== undefined).length;
  if (p.genres) log.push(withGenres > 0 ? `${withGenres} of ${items.length} items have genres` : 'no item has genres');
  const params: Record<string, number | string | boolean> = {
    history: p.history,
    targets: p.targets,
    stride: p.stride,
    minLength: p.minLength,
    train: p.train,
    valid: p.valid,
    split: 'chronological-first-target',
  };
  if (!p.genres) params.genres = false;
  return {
    name: data.name,
    items,
    hasGenres: withGenres > 0,
    train,
    valid,
    test,
    protocol: { name: 'list-windows', params },
    fingerprint: fingerprintOf(items, [train, valid, test]),
    log,
  };
}

/**
 * List windows and their chronological splits over loaded sequences (the module doc's rules). `file` is the source
 * that errors about the data (no user long enough, an empty split) name.
 */
export function listDataset(data: SequenceData, opts: ListWindowOptions, file: string): ListDataset {
  return buildList(data, listParams(opts), file);
}

/** The list task over a JSONL sequences directory (sequences.jsonl + items.jsonl, see sequences.ts). */
export interface ListSequencesOptions extends SequencesDirOptions, ListWindowOptions {}

export function loadListSequences(opts: ListSequencesOptions): ListDataset {
  const p = listParams(opts);
  const { data, file } = loadSequencesDir(opts);
  return buildList(data, p, file);
}

/** The list task over an interaction log (k-core filtered first, default k = 5; see interactions.ts). */
export interface ListInteractionsOptions extends InteractionSourceOptions, ListWindowOptions {}

export function loadListInteractions(opts: ListInteractionsOptions): ListDataset {
  const p = listParams(opts);
  const { data, kcore } = loadInteractionSequences(opts);
  const ds = buildList(data, p, opts.file);
  ds.protocol.params.kcore = kcore;
  return ds;
}
