// genrec's library API. The layers follow the data flow (docs/layers.md; checked by npm run lint):
// data → item identifiers → model / decode → train / evaluate → pipeline.
export * as engine from './engine/index.js';
export * from './data/index.js';
export * as rewards from './rewards/index.js';
export * from './ids/index.js';
export { GenRecModel, type GenRecState, type EncodedHistory } from './model/genrec.js';
export { Transformer, type TransformerConfig, type KVCache } from './model/transformer.js';
export { ModelConfigDef, MODEL_PRESETS, modelConfig, type ModelConfig, type ModelPreset } from './model/config.js';
export { targetBatch, type TargetBatch } from './model/targets.js';
export * from './decode/index.js';
export * from './decode/list/index.js';
export * from './train/index.js';
export * from './eval/metrics.js';
export * from './eval/stats.js';
export * from './baselines/index.js';
export { RunConfigDef, RUN_PRESETS, resolveRunConfig, type RunConfig } from './pipeline/config.js';
export { runExperiment, type RunOptions, type RunOutput } from './pipeline/run.js';
export {
  loadRun,
  checkRunData,
  loadRunWithCatalogue,
  type LoadedRun,
  type RunMeta,
  type RunWithCatalogue,
} from './pipeline/load-run.js';
export { Catalogue, type ItemRef, type ResolvedHistory } from './pipeline/catalogue.js';
export { resolveDecoding, DecodingError, type DecodingRequest, type ResolvedDecoding } from './pipeline/decoding.js';
export { evaluateModel, type EvalSettings, type ModelEvalResult } from './pipeline/evaluate.js';
export { recommend, type RecommendSettings } from './pipeline/recommend.js';
export { buildSidIndexFile, defaultIndexPath, type SidIndexOutput } from './pipeline/sid-index.js';
export { buildSemanticIds } from './pipeline/identifiers/sid.js';
export { buildIdentifier, identifierFromJSON, IDENTIFIERS } from './pipeline/identifiers/registry.js';
export type { IdentifierKind, IdentifierSettings } from './pipeline/identifiers/types.js';
export * as sid from './sid/index.js';
export * as pruning from './eval/pruning/index.js';
export { nextItemTask, expandPrefixes } from './pipeline/task.js';
export { formatConsoleTable, formatMarkdownTable } from './report/table.js';
export { writeResults, readResults, readTrainResults, parseTrainResults, type TrainResults } from './report/results.js';
export { reportHtml, REPORT_SECTIONS, type ReportAssets, type ReportSection } from './report/report-html.js';
export type { ReportModel, ReportColumn, ReportStat, ReportCurve } from './report/report-model.js';
export { barFigureSpec, type Bar, type BarGroup, type BarPanel, type FigureOptions } from './report/bars.js';
export { chartSvg, compileChart, vegaBrowserBundle, type ChartSpec } from './report/vega.js';
export * as experiment from './experiment/index.js';
