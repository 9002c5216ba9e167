// The decoders by name, so that the decoder is a setting (`eval.decoder`): evaluation, the CLI's recommend
// and a server dispatch on a name instead of calling one decoder. Each decoder lives in its own file and
// exports its entry; adding one is its file plus one `registerDecoder` line (here, or in the code that
// owns it, e.g. a test fixture).
import { beamDecoder } from './beam.js';
import { exactDecoder } from './exact.js';
import { greedyDecoder } from './greedy.js';
import { sampleDecoder } from './sample.js';
import { vedDecoder } from './ved.js';
import type { DecoderEntry } from './entry.js';

export type { DecoderEntry, DecoderSettings, DecoderSettingName } from './entry.js';

const entries = new Map<string, DecoderEntry>();

/** Adds a decoder under its name (a name can be registered once). */
export function registerDecoder(entry: DecoderEntry): void {
  if (entries.has(entry.name)) throw new Error(`decoder '${entry.name}' is already registered`);
  entries.set(entry.name, entry);
}

registerDecoder(beamDecoder);
registerDecoder(greedyDecoder);
registerDecoder(sampleDecoder);
registerDecoder(exactDecoder);
registerDecoder(vedDecoder);

/** The decoder registered under `name`; throws naming the registered ones. */
export function getDecoder(name: string): DecoderEntry {
  const e = entries.get(name);
  if (e === undefined) {
    throw new Error(`unknown decoder '${name}' (registered: ${[...entries.keys()].join(', ')})`);
  }
  return e;
}

/** Names of every registered decoder, in registration order (the built-ins are the values of `eval.decoder`). */
export function decoderNames(): string[] {
  return [...entries.keys()];
}
