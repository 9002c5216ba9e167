// An identifier kind: how a run builds its items' identifiers from the data and its settings, and how a saved one is
// rebuilt from its JSON. The registry (./registry.ts) lists the kinds, one line each; the run config's `identifier`
// values, `buildIdentifier` and `identifierFromJSON` follow from it.
import type { NextItemDataset } from '../../data/index.js';
import type { TitleIdentifierConfig } from '../../ids/index.js';
import type { ItemIdentifier } from '../../ids/types.js';
import type { SidConfig } from '../../sid/build.js';
import type { EmbeddingConfig } from '../../sid/embedding-config.js';

/**
 * The run settings identifier kinds read (a run config satisfies it). Spelled out rather than imported so that the run
 * config, which takes its `identifier` values from the registry, and the kinds do not import each other.
 */
export interface IdentifierSettings {
  ids: TitleIdentifierConfig;
  sid: SidConfig;
  embeddings: EmbeddingConfig;
  sidIndex: string;
  cacheDir: string;
}

export interface IdentifierKind {
  /** The `identifier` value, and the `kind` field of its toJSON(). */
  readonly name: string;
  /** One line for `genrec config`. */
  readonly doc: string;
  /** Where it comes from, for `genrec config`. */
  readonly paper?: string;
  /** The identifiers of `ds`'s items under `settings`; statistics go to `log`. */
  build(settings: IdentifierSettings, ds: NextItemDataset, log: (line: string) => void): ItemIdentifier;
  /** Rebuilds a saved identifier of this kind from its toJSON() output (errors say what is wrong). */
  fromJSON(json: unknown): ItemIdentifier;
}
