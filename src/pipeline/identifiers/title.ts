// Title identifiers: byte-level BPE tokens of each item's title + EOS (BIGRec / BEAR); settings in the `ids` section.
import { buildTitleIdentifier } from '../../ids/index.js';
import { TitleIdentifier } from '../../ids/title.js';
import type { IdentifierKind } from './types.js';

export const titleIdentifiers: IdentifierKind = {
  name: 'title',
  doc: 'byte-level BPE title tokens + EOS; settings in ids',
  paper: 'BIGRec / BEAR',
  build(s, ds, log) {
    const ids = buildTitleIdentifier(ds.items, s.ids);
    const st = ids.stats;
    log(
      `ids: title BPE vocab ${ids.vocabSize}, mean code length ${st.meanLength.toFixed(1)} (max ${st.maxLength}), ` +
        `${st.collisions} items disambiguated in ${st.groups} collision groups, ${st.truncated} titles truncated`,
    );
    return ids;
  },
  fromJSON: (json) => TitleIdentifier.fromJSON(json),
};
