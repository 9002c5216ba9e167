// Layer rules for genrec, checked by `npm run lint` (dependency-cruiser; see docs/layers.md).
//
// LAYERS lists the folders of src/ from the bottom of the data flow to the top. A folder may import its own
// layer and the layers BELOW it, never a layer above ("layer-upward"). Folders in the same layer may import each
// other, but not in a cycle ("layer-folder-cycle"); no module may take part in an import cycle ("no-circular").
// To move a folder, edit this one list. Every folder under src/ must be listed ("layer-unlisted").
const LAYERS = [
  ['util', 'engine'], //               plumbing; engine = the libtorch binding
  ['data', 'report', 'rewards'], //    datasets; tables / results files / plots; rewards and list metrics
  ['ids', 'sid'], //                   item identifiers: title (ids) and semantic (sid)
  ['model', 'decode'], //              the model; constrained decoding
  ['train', 'eval', 'baselines'], //   objectives and trainer; metrics and diagnostics; SASRec / most-popular
  ['pipeline'], //                     one run: config, tasks, run directories, train + evaluate, load
  ['experiment'], //                   many runs: identity, store and reuse, evaluation cache, seed protocol
  ['cli', 'server'], //                entry points
];

const folders = (layers) => layers.flat().join('|');
const inFolders = (layers) => `^src/(${folders(layers)})/`;

const upward = LAYERS.slice(0, -1).map((layer, i) => ({
  name: `layer-upward:${layer.join('+')}`,
  comment: `${layer.join(', ')} must not import a higher layer (${folders(LAYERS.slice(i + 1))}); see LAYERS`,
  severity: 'error',
  from: { path: inFolders([layer]) },
  to: { path: inFolders(LAYERS.slice(i + 1)) },
}));

module.exports = {
  forbidden: [
    ...upward,
    {
      name: 'layer-folder-cycle',
      comment: 'Folders must not import each other in a cycle (within a layer; across layers layer-upward fires too).',
      severity: 'error',
      scope: 'folder',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'no-circular',
      comment: 'No import cycles between modules (type-only imports included).',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'layer-unlisted',
      comment: 'Every folder of src/ must be placed in LAYERS in .dependency-cruiser.cjs.',
      severity: 'error',
      from: { path: '^src/[^/]+/', pathNot: inFolders(LAYERS) },
      to: {},
    },
    {
      name: 'layer-unlisted-target',
      comment: 'Every folder of src/ must be placed in LAYERS in .dependency-cruiser.cjs.',
      severity: 'error',
      from: {},
      to: { path: '^src/[^/]+/', pathNot: inFolders(LAYERS) },
    },
    {
      name: 'api-root-only-from-outside',
      comment: 'src/index.ts is the library API: it imports the layers; nothing in src/ imports it.',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^src/index\\.ts$' },
    },
    {
      name: 'src-not-to-bench-or-test',
      comment: 'bench/ and test/ drive src/; src/ never imports them.',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^(bench|test)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|build|node_modules|runs|data)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
