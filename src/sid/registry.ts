// Rebuilds a saved identifier of any kind. It lives above both kinds (src/ids: title; src/sid: semantic) so that
// src/ids never imports src/sid (see LAYERS in .dependency-cruiser.cjs). Imports nothing from the engine: loading a
// saved run's identifier does not load libtorch.
import { TitleIdentifier } from '../ids/title.js';
import type { ItemIdentifier } from '../ids/types.js';
import { SemanticIdentifier } from './identifier.js';

/** Rebuilds any identifier from its toJSON() output (dispatches on `kind`). */
export function identifierFromJSON(json: unknown): ItemIdentifier {
  const kind = typeof json === 'object' && json !== null ? (json as Record<string, unknown>).kind : undefined;
  if (kind === 'title') return TitleIdentifier.fromJSON(json);
  if (kind === 'sid') return SemanticIdentifier.fromJSON(json);
  throw new Error(`ids: cannot rebuild identifier of kind ${JSON.stringify(kind)}`);
}
