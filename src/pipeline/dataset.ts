// Data-set spec strings → loaded data:
//   embedded:office-mini
//   windows:<dir>[?train=<file>&test=<file>&valid=<file>&trainSample=<rows>&sampleSeed=<seed>]
//   interactions:<file>[?titles=<file>&protocol=<bear-windows|leave-one-out>&kcore=<k>&window=<n>&train=<f>&valid=<f>]
//   sequences:<dir>[?sequences=<file>&items=<file>&protocol=<…>&window=<n>&train=<f>&valid=<f>&trainSample=<rows>&sampleSeed=<seed>]
// Files named in options are relative to the data set's directory (windows, sequences: <dir>; interactions: the log's
// directory) unless absolute.
import path from 'node:path';
import {
  loadDataset,
  PROTOCOLS,
  isProtocolName,
  type DatasetSpec,
  type NextItemDataset,
  type ProtocolName,
} from '../data/index.js';
import { decimalProblem, intProblem } from '../data/numbers.js';

/** The `key=value` options after `?` in a spec, in order; a key given twice or without a value fails. */
function specOptions(spec: string, query: string, hint: string): [string, string][] {
  const out: [string, string][] = [];
  const seen = new Set<string>();
  for (const part of query.split('&')) {
    const eq = part.indexOf('=');
    const k = eq < 0 ? part : part.slice(0, eq);
    const v = eq < 0 ? '' : part.slice(eq + 1);
    if (!v) throw new Error(`dataset: option '${part}' in '${spec}' needs a value (${hint})`);
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

const WINDOWS_OPTIONS = ['train', 'test', 'valid', 'trainSample', 'sampleSeed'];
const INTERACTIONS_OPTIONS = ['titles', 'protocol', 'kcore', 'window', 'train', 'valid'];
const SEQUENCES_OPTIONS = ['sequences', 'items', 'protocol', 'window', 'train', 'valid', 'trainSample', 'sampleSeed'];

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

export function parseDatasetSpec(spec: string): DatasetSpec {
  const i = spec.indexOf(':');
  const kind = i < 0 ? spec : spec.slice(0, i);
  const arg = i < 0 ? '' : spec.slice(i + 1);
  const q = arg.indexOf('?');
  const target = q < 0 ? arg : arg.slice(0, q);
  switch (kind) {
    case 'embedded':
      if (arg !== '' && arg !== 'office-mini')
        throw new Error(`dataset: unknown embedded data set '${arg}' (known: office-mini)`);
      return { format: 'embedded', name: 'office-mini' };
    case 'windows': {
      if (!target) throw new Error("dataset: 'windows:' needs a directory, e.g. windows:../shared/data/amazon-office");
      const out: DatasetSpec = { format: 'windows', dir: target };
      if (q < 0) return out;
      for (const [k, v] of specOptions(spec, arg.slice(q + 1), 'key=file')) {
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
      if (q < 0) return out;
      const params: Record<string, number> = {};
      for (const [k, v] of specOptions(spec, arg.slice(q + 1), 'key=value')) {
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
      if (q < 0) return out;
      const params: Record<string, number> = {};
      for (const [k, v] of specOptions(spec, arg.slice(q + 1), 'key=value')) {
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
        `dataset: unknown spec '${spec}' (use embedded:office-mini, windows:<dir>, interactions:<file> or sequences:<dir>)`,
      );
  }
}

export function loadDatasetFromSpec(spec: string): NextItemDataset {
  return loadDataset(parseDatasetSpec(spec));
}
