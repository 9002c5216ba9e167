// Data-set spec strings ('embedded:office-mini', 'windows:<dir>', 'interactions:<file>') → loaded data.
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
    case 'windows':
      if (!arg) throw new Error("dataset: 'windows:' needs a directory, e.g. windows:../shared/data/amazon-office");
      return { format: 'windows', dir: arg };
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
