/**
 * Typed, documented, layered configuration.
 *
 * A config is declared once as a schema of fields (each with a type, default, constraints, a doc string and,
 * optionally, the paper it comes from). The value type is inferred from the schema, so call sites never cast:
 *
 * ```ts
 * const TrainConfig = defineConfig('train', {
 *   lr: num({ default: 1e-3, min: 0, exclusiveMin: true, doc: 'AdamW learning rate.' }),
 *   objective: oneOf(['sft', 'msl', 'bear'], { default: 'msl', doc: 'Training objective.' }),
 * });
 * type TrainConfig = ConfigOf<typeof TrainConfig>; // { lr: number; objective: 'sft' | 'msl' | 'bear' }
 * ```
 *
 * Layers are applied in order (defaults < config file < command-line flags) with {@link ConfigDef.merge};
 * every layer is validated and errors name the dotted key, the offending value and where it came from.
 * Sections nest: a schema entry may itself be a config, addressed with dotted keys (`--train.lr 3e-4`).
 */
// The pieces, one concern each: ./config-schema.ts (types, ConfigError), ./config-fields.ts (field constructors),
// ./config-define.ts (defineConfig: defaults, validation, layering, files), ./config-flags.ts (flags and argv),
// ./config-docs.ts (the Markdown table). This module is what the rest of genrec imports.
export { closest, editDistance } from './suggest.js';
export { ConfigError, type ConfigOf, type DeepPartial, type ConfigDef } from './config-schema.js';
export { num, int, bool, str, oneOf, intList, numList, strList } from './config-fields.js';
export { defineConfig } from './config-define.js';
