/**
 * The next-item task over the JSONL sequences format (sequences.jsonl + items.jsonl, see sequences.ts): each user's
 * time-ordered sequence is split by a named protocol (protocols.ts: 'bear-windows' or 'leave-one-out'), so that a
 * data set shipped for the list task (MovieLens-1M) trains and evaluates next-item models too. `trainSample` keeps a
 * uniform random sample of the training windows (dense sets have hundreds of windows per user).
 */
import { fingerprintOf } from './items.js';
import { applyProtocol, type ProtocolName } from './protocols.js';
import { sampleRows } from './sample.js';
import { loadSequencesDir, type SequencesDirOptions } from './sequences.js';
import type { NextItemDataset } from './types.js';

export interface SequencesNextItemOptions extends SequencesDirOptions {
  /** Split protocol (default 'bear-windows', as for interaction logs). */
  protocol?: ProtocolName;
  protocolParams?: Record<string, number>;
  /** Keep this many training windows, drawn uniformly (0 = all). */
  trainSample?: number;
  /** Seed of the `trainSample` draw (default 0). */
  sampleSeed?: number;
}

export function loadSequencesNextItem(opts: SequencesNextItemOptions): NextItemDataset {
  const { data } = loadSequencesDir(opts);
  const log = [...data.log];
  const split = applyProtocol(opts.protocol ?? 'bear-windows', data.sequences, opts.protocolParams ?? {});
  log.push(...split.log);
  let train = split.train;
  const sample = opts.trainSample ?? 0;
  const params: Record<string, number | string | boolean> = { ...split.protocol.params };
  if (sample > 0 && sample < train.length) {
    const seed = opts.sampleSeed ?? 0;
    log.push(`kept a random sample of ${sample} of ${train.length} training windows (seed ${seed})`);
    train = sampleRows(train, sample, seed);
    params.trainSample = sample;
    params.sampleSeed = seed;
  }
  return {
    name: data.name,
    items: data.items,
    train,
    valid: split.valid,
    test: split.test,
    protocol: { name: split.protocol.name, params },
    fingerprint: fingerprintOf(data.items, [train, split.valid, split.test]),
    log,
  };
}
