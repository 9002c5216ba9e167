// Model configuration and named size presets.
import { defineConfig, int, num, oneOf, type ConfigOf } from '../util/config.js';

export const ModelConfigDef = defineConfig('model', {
  dModel: int({ default: 128, min: 8, doc: 'Width of the transformer (embedding size).' }),
  nHeads: int({ default: 4, min: 1, doc: 'Attention heads (must divide dModel).' }),
  nLayers: int({ default: 2, min: 1, doc: 'Transformer blocks.' }),
  dFF: int({ default: 512, min: 8, doc: 'Hidden size of the feed-forward layer (tanh-GELU).' }),
  dropout: num({ default: 0.1, min: 0, max: 0.9, doc: 'Dropout on embeddings, attention and residual branches.' }),
  maxHistory: int({
    default: 10,
    min: 1,
    doc: 'History items fed to the model (most recent kept).',
    paper: 'BEAR §4.1: windows of 11 = history ≤ 10 + target',
  }),
  historyRepr: oneOf(['id+title', 'title', 'id'], {
    default: 'id+title',
    doc: 'How a history item enters: item-ID embedding plus the mean of its title-token embeddings, or one of the two.',
  }),
  historyTitleTokens: int({ default: 16, min: 1, doc: 'Title tokens averaged into a history item embedding.' }),
  responseItems: int({
    default: 1,
    min: 1,
    doc: 'Items one generated response can hold (position slots for responseItems identifiers after BOS): 1 for next-item recommendation, K to decode lists of K items (src/decode/list/).',
    paper: 'BLADE §2.1: one response is an ordered list of K items',
  }),
});
export type ModelConfig = ConfigOf<typeof ModelConfigDef>;

/** Named size presets: `tiny` for tests and the demo, `small` for benchmarks. */
export const MODEL_PRESETS = {
  tiny: { dModel: 64, nHeads: 2, nLayers: 2, dFF: 256, dropout: 0.1 },
  small: { dModel: 128, nHeads: 4, nLayers: 2, dFF: 512, dropout: 0.1 },
} as const satisfies Record<string, Partial<ModelConfig>>;
export type ModelPreset = keyof typeof MODEL_PRESETS;

export function modelConfig(preset: ModelPreset, overrides: Partial<ModelConfig> = {}): ModelConfig {
  return ModelConfigDef.merge(
    ModelConfigDef.merge(ModelConfigDef.defaults(), MODEL_PRESETS[preset], `preset ${preset}`),
    overrides,
  );
}
