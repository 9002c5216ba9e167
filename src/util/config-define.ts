/**
 * Config definitions of the typed configuration (see ./config.ts): `defineConfig` declares a section; its ConfigDef
 * fills defaults, validates and layers plain objects (nested sections merged key by key, arrays replaced whole),
 * reads JSON config files, and hands flags and docs to ./config-flags.ts and ./config-docs.ts.
 */
import { readFileSync } from 'node:fs';
import { closest } from './suggest.js';
import {
  ConfigError,
  from,
  isPlainObject,
  show,
  type ConfigDef,
  type DeepPartial,
  type Field,
  type Schema,
  type SchemaEntry,
  type ValueOf,
} from './config-schema.js';
import { argvToFlags, flagsToLayer } from './config-flags.js';
import { docsTable } from './config-docs.js';

function isSection(e: SchemaEntry): e is ConfigDef<unknown> {
  return e.kind === 'config';
}

/** Every field of a schema, flattened to dotted keys, in declaration order. */
function flatten(schema: Schema, prefix = ''): [string, Field<unknown>][] {
  const out: [string, Field<unknown>][] = [];
  for (const [k, e] of Object.entries(schema)) {
    if (isSection(e)) out.push(...flatten(e.schema, prefix + k + '.'));
    else out.push([prefix + k, e]);
  }
  return out;
}

function cloneValue(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(cloneValue);
  if (isPlainObject(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, cloneValue(x)]));
  return v;
}

/**
 * Declare a configuration section. `name` is used in messages (`unknown key 'lr2' in train config`); the keys of
 * nested sections are addressed with dots relative to the outermost config (`train.lr`).
 */
export function defineConfig<const S extends Schema>(name: string, schema: S): ConfigDef<ValueOf<S>> {
  type T = ValueOf<S>;
  for (const key of Object.keys(schema)) {
    if (key === '' || key.includes('.') || key.startsWith('no-'))
      throw new Error(`invalid key '${key}' in ${name} config: keys must be non-empty, without '.' or 'no-' prefix`);
  }
  const flat = flatten(schema);
  const flatMap = new Map(flat);

  /** Validate `override` against `sch` on top of `base`, returning a new object. `path` is the dotted prefix. */
  function layer(
    sch: Schema,
    sectionName: string,
    base: Record<string, unknown>,
    override: unknown,
    path: string,
    source: string | undefined,
  ): Record<string, unknown> {
    const where = path === '' ? name : `${name}.${path.slice(0, -1)}`;
    if (!isPlainObject(override)) {
      throw new ConfigError(
        `${where}: expected an object with ${sectionName} config keys, got ${show(override)}${from(source)}`,
        path.slice(0, -1),
        source,
      );
    }
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(sch)) out[k] = cloneValue(base[k]);
    const known = Object.keys(sch);
    for (const [k, v] of Object.entries(override)) {
      const entry = Object.prototype.hasOwnProperty.call(sch, k) ? sch[k] : undefined;
      if (entry === undefined) {
        const hint = closest(k, known);
        throw new ConfigError(
          `unknown key '${path}${k}' in ${where} config${from(source)}` +
            (hint ? `; did you mean '${path}${hint}'?` : '') +
            `; known keys: ${known.join(', ')}`,
          path + k,
          source,
        );
      }
      if (isSection(entry)) {
        out[k] = layer(entry.schema, entry.name, out[k] as Record<string, unknown>, v, `${path}${k}.`, source);
      } else {
        try {
          out[k] = entry.check(v);
        } catch (e) {
          throw new ConfigError(`${name}.${path}${k}: ${(e as Error).message}${from(source)}`, path + k, source);
        }
      }
    }
    return out;
  }

  function defaultsOf(sch: Schema): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [k, e] of Object.entries(sch)) out[k] = isSection(e) ? defaultsOf(e.schema) : cloneValue(e.default);
    return out;
  }

  const def: ConfigDef<T> = {
    kind: 'config',
    name,
    schema,
    defaults(): T {
      return defaultsOf(schema) as T;
    },
    parse(obj: unknown, source?: string): T {
      return layer(schema, name, defaultsOf(schema), obj, '', source) as T;
    },
    load(path: string): T {
      let text: string;
      try {
        text = readFileSync(path, 'utf8');
      } catch (e) {
        throw new ConfigError(`cannot read ${name} config file ${path}: ${(e as Error).message}`, '', path);
      }
      let obj: unknown;
      try {
        obj = JSON.parse(text);
      } catch (e) {
        throw new ConfigError(`invalid JSON in ${name} config file ${path}: ${(e as Error).message}`, '', path);
      }
      return def.parse(obj, path);
    },
    merge(base: T, override: unknown, source?: string): T {
      return layer(schema, name, base as Record<string, unknown>, override, '', source) as T;
    },
    fromFlags(flags: Record<string, string>, source?: string): DeepPartial<T> {
      return flagsToLayer(name, flat, flatMap, flags, source) as DeepPartial<T>;
    },
    fromArgv(argv: readonly string[], source = 'command line') {
      const { flags, positional } = argvToFlags(flatMap, argv, source);
      // fromFlags reports unknown keys (with suggestions) and bad values.
      return { overrides: def.fromFlags(flags, source), positional };
    },
    keys(): string[] {
      return flat.map(([k]) => k);
    },
    docs(): string {
      return docsTable(flat);
    },
  };
  return def;
}
