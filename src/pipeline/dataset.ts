// Data-set spec strings → loaded data:
//   embedded:office-mini
//   windows:<dir>[?train=<file>&test=<file>&valid=<file>&trainSample=<rows>&sampleSeed=<seed>]
//   interactions:<file>[?titles=<file>&protocol=<bear-windows|leave-one-out>&kcore=<k>&window=<n>&train=<f>&valid=<f>]
// Files named in options are relative to the data set's directory (windows: <dir>; interactions: the log's
// directory) unless absolute.
import path from 'node:path';
import { loadDataset, PROTOCOLS, isProtocolName, type DatasetSpec, type NextItemDataset } from '../data/index.js';
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
        else if (k === 'protocol') {
          if (!isProtocolName(v)) {
            throw new Error(
              `dataset: unknown protocol '${v}' in '${spec}' (known: ${Object.keys(PROTOCOLS).join(', ')})`,
            );
          }
          out.protocol = v;
        } else if (k === 'kcore') out.kcore = intOption(spec, k, v, 0);
        else if (k === 'window') params.window = intOption(spec, k, v, 2);
        else if (k === 'train' || k === 'valid') {
          const problem = decimalProblem(v);
          const f = Number(v);
          if (problem !== undefined || !(f >= 0 && f < 1)) {
            throw new Error(
              `dataset: '${k}' in '${spec}' must be a fraction in [0, 1), got '${v}'${problem ? ` (${problem})` : ''}`,
            );
          }
          params[k] = f;
        } else {
          throw new Error(`dataset: unknown option '${k}' in '${spec}' (known: ${INTERACTIONS_OPTIONS.join(', ')})`);
        }
      }
      const protocol = out.protocol ?? 'bear-windows';
      const known = Object.keys(PROTOCOLS[protocol as keyof typeof PROTOCOLS].defaults);
      for (const k of Object.keys(params)) {
        if (!known.includes(k)) {
          throw new Error(
            `dataset: option '${k}' in '${spec}' does not apply to protocol ${protocol} (its options: ${known.join(', ')})`,
          );
        }
      }
      if (Object.keys(params).length > 0) out.protocolParams = params;
      return out;
    }
    default:
      throw new Error(
        `dataset: unknown spec '${spec}' (use embedded:office-mini, windows:<dir> or interactions:<file>)`,
      );
  }
}

export function loadDatasetFromSpec(spec: string): NextItemDataset {
  return loadDataset(parseDatasetSpec(spec));
}
