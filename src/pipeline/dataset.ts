// Data-set spec strings → loaded data. The next-item task (parseDatasetSpec, loadDatasetFromSpec):
//   embedded[:office-mini|:genre-drift]
//   windows:<dir>[?train=<file>&test=<file>&valid=<file>&trainSample=<rows>&sampleSeed=<seed>]
//   interactions:<file>[?titles=<file>&protocol=<bear-windows|leave-one-out>&kcore=<k>&window=<n>&train=<f>&valid=<f>]
//   sequences:<dir>[?sequences=<file>&items=<file>&protocol=<…>&window=<n>&train=<f>&valid=<f>&trainSample=<rows>&sampleSeed=<seed>]
// The list task (parseListDatasetSpec, loadListDatasetFromSpec; src/data/lists.ts), `task=list` plus the list options
//   history=<H>&targets=<K>&stride=<s>&minLength=<n>&train=<f>&valid=<f>&genres=<true|false> (all optional):
//   sequences:<dir>?task=list[&sequences=<file>&items=<file>&…]
//   interactions:<file>?task=list[&titles=<file>&kcore=<k>&…]
//   embedded:genre-drift?task=list[&…]
// `task=next-item` may be written on the next-item specs; a `task=list` spec given to the next-item loader (or the
// reverse) fails, naming the loader to use. `task` may be left out of a spec given to the list loader.
// Files named in options are relative to the data set's directory (windows, sequences: <dir>; interactions: the log's
// directory) unless absolute.
import path from 'node:path';
import {
  loadDataset,
  PROTOCOLS,
  isProtocolName,
  loadListDataset,
  EMBEDDED_NAMES,
  type DatasetSpec,
  type EmbeddedName,
  type ListDataset,
  type ListDatasetSpec,
  type NextItemDataset,
  type ProtocolName,
} from '../data/index.js';
import { decimalProblem, intProblem } from '../data/numbers.js';

/** The `key=value` options after `?` in a spec, in order; a key given twice or without a value fails. */
function specOptions(spec: string, query: string): [string, string][] {
  const out: [string, string][] = [];
  const seen = new Set<string>();
  for (const part of query.split('&')) {
    const eq = part.indexOf('=');
    const k = eq < 0 ? part : part.slice(0, eq);
    const v = eq < 0 ? '' : part.slice(eq + 1);
    if (!v) throw new Error(`dataset: option '${part}' in '${spec}' needs a value (key=value)`);
    if (seen.has(k)) throw new Error(`dataset: option '${k}' given twice in '${spec}'`);
    seen.add(k);
    out.push([k, v]);
  }
  return out;
}

function intOption(spec: string, k: string, v: string, min: number): number {
  const problem = intProblem(v);
  const n = Number(v);
  if (problem !== undefined || n < min) {
    throw new Error(
      `dataset: '${k}' in '${spec}' must be an integer ≥ ${min}, got '${v}'${problem ? ` (${problem})` : ''}`,
    );
  }
  return n;
}

const WINDOWS_OPTIONS = ['train', 'test', 'valid', 'trainSample', 'sampleSeed', 'task'];
const INTERACTIONS_OPTIONS = ['titles', 'protocol', 'kcore', 'window', 'train', 'valid', 'task'];
const SEQUENCES_OPTIONS = [
  'sequences',
  'items',
  'protocol',
  'window',
  'train',
  'valid',
  'trainSample',
  'sampleSeed',
  'task',
];

function protocolOption(spec: string, v: string): ProtocolName {
  if (!isProtocolName(v))
    throw new Error(`dataset: unknown protocol '${v}' in '${spec}' (known: ${Object.keys(PROTOCOLS).join(', ')})`);
  return v;
}

function fractionOption(spec: string, k: string, v: string): number {
  const problem = decimalProblem(v);
  const f = Number(v);
  if (problem !== undefined || !(f >= 0 && f < 1)) {
    throw new Error(
      `dataset: '${k}' in '${spec}' must be a fraction in [0, 1), got '${v}'${problem ? ` (${problem})` : ''}`,
    );
  }
  return f;
}

/** Protocol parameters checked against the protocol's own (undefined when none is given). */
function checkedParams(
  spec: string,
  protocol: ProtocolName,
  params: Record<string, number>,
): Record<string, number> | undefined {
  const known = Object.keys(PROTOCOLS[protocol].defaults);
  for (const k of Object.keys(params)) {
    if (!known.includes(k)) {
      throw new Error(
        `dataset: option '${k}' in '${spec}' does not apply to protocol ${protocol} (its options: ${known.join(', ')})`,
      );
    }
  }
  return Object.keys(params).length > 0 ? params : undefined;
}

interface SpecParts {
  kind: string;
  /** The directory or file after the colon, before any `?`. */
  target: string;
  /** The `?` options, in order ([] when there are none). */
  options: [string, string][];
}

function specParts(spec: string): SpecParts {
  const i = spec.indexOf(':');
  const kind = i < 0 ? spec : spec.slice(0, i);
  const arg = i < 0 ? '' : spec.slice(i + 1);
  const q = arg.indexOf('?');
  return {
    kind,
    target: q < 0 ? arg : arg.slice(0, q),
    options: q < 0 ? [] : specOptions(spec, arg.slice(q + 1)),
  };
}

const TASKS = ['next-item', 'list'];

/** The spec's `task=` option (undefined when absent: next-item for the next-item loader); an unknown task fails. */
function specTask(spec: string, options: [string, string][]): string | undefined {
  const v = options.find(([k]) => k === 'task')?.[1];
  if (v !== undefined && !TASKS.includes(v)) {
    throw new Error(`dataset: unknown task '${v}' in '${spec}' (known: ${TASKS.join(', ')})`);
  }
  return v;
}

function embeddedName(spec: string, target: string, fallback: EmbeddedName): EmbeddedName {
  if (target === '') return fallback;
  if (!(EMBEDDED_NAMES as readonly string[]).includes(target)) {
    throw new Error(
      `dataset: unknown embedded data set '${target}' in '${spec}' (known: ${EMBEDDED_NAMES.join(', ')})`,
    );
  }
  return target as EmbeddedName;
}

/** A next-item data-set spec (see the module comment); a `task=list` spec fails. */
export function parseDatasetSpec(spec: string): DatasetSpec {
  const { kind, target, options } = specParts(spec);
  if (specTask(spec, options) === 'list') {
    throw new Error(
      `dataset: '${spec}' is a list-task data set (task=list): the next-item task cannot use it (load it with loadListDatasetFromSpec)`,
    );
  }
  const opts = options.filter(([k]) => k !== 'task');
  switch (kind) {
    case 'embedded': {
      const name = embeddedName(spec, target, 'office-mini');
      if (opts.length > 0) throw new Error(`dataset: '${spec}': an embedded data set takes no options but task`);
      return { format: 'embedded', name };
    }
    case 'windows': {
      if (!target) throw new Error("dataset: 'windows:' needs a directory, e.g. windows:../shared/data/amazon-office");
      const out: DatasetSpec = { format: 'windows', dir: target };
      for (const [k, v] of opts) {
        if (k === 'train') out.trainFile = v;
        else if (k === 'test') out.testFile = v;
        else if (k === 'valid') out.validFile = v;
        else if (k === 'trainSample' || k === 'sampleSeed') out[k] = intOption(spec, k, v, 0);
        else throw new Error(`dataset: unknown option '${k}' in '${spec}' (known: ${WINDOWS_OPTIONS.join(', ')})`);
      }
      return out;
    }
    case 'interactions': {
      if (!target) throw new Error("dataset: 'interactions:' needs a file, e.g. interactions:log.csv");
      const out: DatasetSpec = { format: 'interactions', file: target };
      const params: Record<string, number> = {};
      for (const [k, v] of opts) {
        if (k === 'titles') out.titles = path.isAbsolute(v) ? v : path.join(path.dirname(target), v);
        else if (k === 'protocol') out.protocol = protocolOption(spec, v);
        else if (k === 'kcore') out.kcore = intOption(spec, k, v, 0);
        else if (k === 'window') params.window = intOption(spec, k, v, 2);
        else if (k === 'train' || k === 'valid') params[k] = fractionOption(spec, k, v);
        else {
          throw new Error(`dataset: unknown option '${k}' in '${spec}' (known: ${INTERACTIONS_OPTIONS.join(', ')})`);
        }
      }
      const pp = checkedParams(spec, (out.protocol as ProtocolName | undefined) ?? 'bear-windows', params);
      if (pp) out.protocolParams = pp;
      return out;
    }
    case 'sequences': {
      if (!target)
        throw new Error("dataset: 'sequences:' needs a directory, e.g. sequences:../shared/data/movielens-1m");
      const out: DatasetSpec = { format: 'sequences', dir: target };
      const params: Record<string, number> = {};
      for (const [k, v] of opts) {
        if (k === 'sequences') out.sequencesFile = v;
        else if (k === 'items') out.itemsFile = v;
        else if (k === 'protocol') out.protocol = protocolOption(spec, v);
        else if (k === 'window') params.window = intOption(spec, k, v, 2);
        else if (k === 'train' || k === 'valid') params[k] = fractionOption(spec, k, v);
        else if (k === 'trainSample' || k === 'sampleSeed') out[k] = intOption(spec, k, v, 0);
        else throw new Error(`dataset: unknown option '${k}' in '${spec}' (known: ${SEQUENCES_OPTIONS.join(', ')})`);
      }
      const pp = checkedParams(spec, out.protocol ?? 'bear-windows', params);
      if (pp) out.protocolParams = pp;
      return out;
    }
    default:
      throw new Error(
        `dataset: unknown spec '${spec}' (use embedded:<${EMBEDDED_NAMES.join('|')}>, windows:<dir>, interactions:<file> or sequences:<dir>)`,
      );
  }
}

export function loadDatasetFromSpec(spec: string): NextItemDataset {
  return loadDataset(parseDatasetSpec(spec));
}

const LIST_WINDOW_OPTIONS = ['history', 'targets', 'stride', 'minLength', 'train', 'valid', 'genres'];
const LIST_SOURCE_OPTIONS: Record<string, string[]> = {
  sequences: ['sequences', 'items'],
  interactions: ['titles', 'kcore'],
  embedded: [],
};

/** A list-task data-set spec (see the module comment); `task` may be absent or `list`. */
export function parseListDatasetSpec(spec: string): ListDatasetSpec {
  const { kind, target, options } = specParts(spec);
  if (specTask(spec, options) === 'next-item') {
    throw new Error(
      `dataset: '${spec}' says task=next-item: the list task cannot use it (load it with loadDatasetFromSpec)`,
    );
  }
  let out: ListDatasetSpec;
  switch (kind) {
    case 'sequences':
      if (!target)
        throw new Error(
          "dataset: 'sequences:' needs a directory, e.g. sequences:../shared/data/movielens-1m?task=list",
        );
      out = { format: 'sequences', dir: target };
      break;
    case 'interactions':
      if (!target) throw new Error("dataset: 'interactions:' needs a file, e.g. interactions:log.csv?task=list");
      out = { format: 'interactions', file: target };
      break;
    case 'embedded':
      out = { format: 'embedded', name: embeddedName(spec, target, 'genre-drift') };
      break;
    case 'windows':
      throw new Error(
        `dataset: '${spec}' holds fixed next-item windows: the list task needs whole user sequences (sequences:<dir>, interactions:<file> or embedded:genre-drift)`,
      );
    default:
      throw new Error(
        `dataset: unknown spec '${spec}' for the list task (use sequences:<dir>, interactions:<file> or embedded:genre-drift, with ?task=list)`,
      );
  }
  const known = [...LIST_SOURCE_OPTIONS[kind], ...LIST_WINDOW_OPTIONS, 'task'];
  for (const [k, v] of options) {
    if (k === 'task') continue;
    if (k === 'history' || k === 'targets' || k === 'stride') out[k] = intOption(spec, k, v, 1);
    else if (k === 'minLength') out.minLength = intOption(spec, k, v, 2);
    else if (k === 'train' || k === 'valid') out[k] = fractionOption(spec, k, v);
    else if (k === 'genres') {
      if (v !== 'true' && v !== 'false')
        throw new Error(`dataset: 'genres' in '${spec}' must be true or false, got '${v}'`);
      out.genres = v === 'true';
    } else if (out.format === 'sequences' && k === 'sequences') out.sequencesFile = v;
    else if (out.format === 'sequences' && k === 'items') out.itemsFile = v;
    else if (out.format === 'interactions' && k === 'titles') {
      out.titles = path.isAbsolute(v) ? v : path.join(path.dirname(target), v);
    } else if (out.format === 'interactions' && k === 'kcore') out.kcore = intOption(spec, k, v, 0);
    else throw new Error(`dataset: unknown option '${k}' in '${spec}' for the list task (known: ${known.join(', ')})`);
  }
  return out;
}

export function loadListDatasetFromSpec(spec: string): ListDataset {
  return loadListDataset(parseListDatasetSpec(spec));
}
