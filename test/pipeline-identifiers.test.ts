// Identifiers as plug-ins: the run config's `identifier` values and documentation come from the registry, and a run
// builds and a saved run rebuilds its identifiers through it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadDataset } from '../src/data/index.js';
import { resolveRunConfig, RunConfigDef } from '../src/pipeline/config.js';
import { buildIdentifier, IDENTIFIER_NAMES, identifierFromJSON } from '../src/pipeline/identifiers/registry.js';

test('identifiers: registry names are the config values; build and JSON round trip go through it', () => {
  assert.deepEqual(IDENTIFIER_NAMES, ['title', 'sid']);
  assert.match(
    RunConfigDef.docs(),
    /\| `identifier` \| .*'title' \(byte-level BPE title tokens \+ EOS; settings in ids\)/,
  );
  assert.throws(() => RunConfigDef.fromFlags({ identifier: 'words' }, 'command line'), /identifier/);
  const ds = loadDataset({ format: 'embedded' });
  const cfg = resolveRunConfig([]);
  const lines: string[] = [];
  const ids = buildIdentifier('title', cfg, ds, (l) => lines.push(l));
  assert.equal(ids.numItems, ds.items.length);
  assert.match(lines[0], /^ids: title BPE vocab/);
  const back = identifierFromJSON(JSON.parse(JSON.stringify(ids.toJSON())));
  assert.deepEqual(back.toJSON(), ids.toJSON());
  assert.throws(
    () => buildIdentifier('titel', cfg, ds, () => {}),
    /unknown identifier 'titel' \(did you mean 'title'\?\)/,
  );
  assert.throws(() => identifierFromJSON({ kind: 'nope' }), /kind "nope"/);
});
