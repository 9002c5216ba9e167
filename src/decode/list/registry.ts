// The list decoders by name (a list task's decoder setting): each returns K-item responses (./types.ts), unlike the
// next-item decoders of ../registry.ts, which return per-user top-K item rankings, hence a registry of their own.
// Adding one is its file, its test and one `registerListDecoder` line (here, or in the code that owns it).
import { listBeamDecoder } from './list-beam.js';
import { listGreedyDecoder } from './list-greedy.js';
import { listSampleDecoder } from './list-sample.js';
import type { ListDecoderEntry } from './types.js';

const entries = new Map<string, ListDecoderEntry>();

/** Adds a list decoder under its name (a name can be registered once). */
export function registerListDecoder(entry: ListDecoderEntry): void {
  if (entries.has(entry.name)) throw new Error(`list decoder '${entry.name}' is already registered`);
  entries.set(entry.name, entry);
}

registerListDecoder(listGreedyDecoder);
registerListDecoder(listSampleDecoder);
registerListDecoder(listBeamDecoder);

/** The list decoder registered under `name`; throws naming the registered ones. */
export function getListDecoder(name: string): ListDecoderEntry {
  const e = entries.get(name);
  if (e === undefined) {
    throw new Error(`unknown list decoder '${name}' (registered: ${[...entries.keys()].join(', ')})`);
  }
  return e;
}

/** Names of every registered list decoder, in registration order. */
export function listDecoderNames(): string[] {
  return [...entries.keys()];
}
