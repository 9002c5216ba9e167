// Identifier registry: the kinds of item identifiers, one line each. A new kind is its file here (an IdentifierKind:
// how to build it for a run, how to rebuild a saved one) plus one line below; the run config's `identifier` values
// and documentation, `buildIdentifier` and `identifierFromJSON` follow from this list.
import type { NextItemDataset } from '../../data/index.js';
import type { ItemIdentifier } from '../../ids/types.js';
import { closest } from '../../util/suggest.js';
import { semanticIdentifiers } from './sid.js';
import { titleIdentifiers } from './title.js';
import type { IdentifierKind, IdentifierSettings } from './types.js';

export const IDENTIFIERS: Readonly<Record<string, IdentifierKind>> = {
  [titleIdentifiers.name]: titleIdentifiers,
  [semanticIdentifiers.name]: semanticIdentifiers,
};

export const IDENTIFIER_NAMES = Object.keys(IDENTIFIERS);

function kindOf(name: unknown): IdentifierKind | undefined {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(IDENTIFIERS, name)
    ? IDENTIFIERS[name]
    : undefined;
}

/** Builds the identifiers of kind `name` for `ds` and logs their statistics; an unknown kind throws, naming the known. */
export function buildIdentifier(
  name: string,
  settings: IdentifierSettings,
  ds: NextItemDataset,
  log: (line: string) => void,
): ItemIdentifier {
  const kind = kindOf(name);
  if (kind === undefined) {
    const hint = closest(name, IDENTIFIER_NAMES);
    throw new Error(
      `unknown identifier '${name}'${hint ? ` (did you mean '${hint}'?)` : ''}; known: ${IDENTIFIER_NAMES.join(', ')}`,
    );
  }
  return kind.build(settings, ds, log);
}

/** Rebuilds any saved identifier from its toJSON() output (dispatches on its `kind`). */
export function identifierFromJSON(json: unknown): ItemIdentifier {
  const name = typeof json === 'object' && json !== null ? (json as Record<string, unknown>).kind : undefined;
  const kind = kindOf(name);
  if (kind === undefined) throw new Error(`ids: cannot rebuild identifier of kind ${JSON.stringify(name)}`);
  return kind.fromJSON(json);
}
