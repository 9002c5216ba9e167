// Data-set spec strings ('embedded:office-mini', 'windows:<dir>[?train=<file>&test=<file>&valid=<file>]',
// 'interactions:<file>') → loaded data.
import { loadDataset, type DatasetSpec, type NextItemDataset } from '../data/index.js';

export function parseDatasetSpec(spec: string): DatasetSpec {
  const i = spec.indexOf(':');
  const kind = i < 0 ? spec : spec.slice(0, i);
  const arg = i < 0 ? '' : spec.slice(i + 1);
  switch (kind) {
    case 'embedded':
      if (arg !== '' && arg !== 'office-mini')
        throw new Error(`dataset: unknown embedded data set '${arg}' (known: office-mini)`);
      return { format: 'embedded', name: 'office-mini' };
    case 'windows': {
      // windows:<dir>[?train=<file>&test=<file>&valid=<file>&trainSample=<rows>&sampleSeed=<seed>]
      const q = arg.indexOf('?');
      const dir = q < 0 ? arg : arg.slice(0, q);
      if (!dir) throw new Error("dataset: 'windows:' needs a directory, e.g. windows:../shared/data/amazon-office");
      const out: DatasetSpec = { format: 'windows', dir };
      if (q >= 0) {
        for (const part of arg.slice(q + 1).split('&')) {
          const [k, v] = part.split('=');
          if (!v) throw new Error(`dataset: option '${part}' in '${spec}' needs a value (key=file)`);
          if (k === 'train') out.trainFile = v;
          else if (k === 'test') out.testFile = v;
          else if (k === 'valid') out.validFile = v;
          else if (k === 'trainSample' || k === 'sampleSeed') {
            const n = Number(v);
            if (!Number.isInteger(n) || n < 0)
              throw new Error(`dataset: '${k}' in '${spec}' must be a non-negative integer`);
            out[k] = n;
          } else
            throw new Error(
              `dataset: unknown option '${k}' in '${spec}' (known: train, test, valid, trainSample, sampleSeed)`,
            );
        }
      }
      return out;
    }
    case 'interactions':
      if (!arg) throw new Error("dataset: 'interactions:' needs a file, e.g. interactions:log.csv");
      return { format: 'interactions', file: arg };
    default:
      throw new Error(
        `dataset: unknown spec '${spec}' (use embedded:office-mini, windows:<dir> or interactions:<file>)`,
      );
  }
}

export function loadDatasetFromSpec(spec: string): NextItemDataset {
  return loadDataset(parseDatasetSpec(spec));
}
