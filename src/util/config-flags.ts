/**
 * Command-line layers of the typed configuration (see ./config.ts): `ConfigDef.fromFlags` (dotted keys with string
 * values → a typed partial layer) and the argv scan of `ConfigDef.fromArgv` (`--key value`, `--key=value`, `--bool`,
 * `--no-bool`, positionals, a bare `--`).
 */
import { closest } from './suggest.js';
import { ConfigError, from, isPlainObject, type Field } from './config-schema.js';
import { FALSE_STRINGS, TRUE_STRINGS } from './config-fields.js';

/**
 * Converts `{'train.lr': '3e-4', 'ks': '5,10'}` into a partial layer of the `name` config whose fields are `flat`
 * (dotted key → field; `flatMap` the same as a map). Unknown keys (with suggestions) and bad values throw.
 */
export function flagsToLayer(
  name: string,
  flat: readonly [string, Field<unknown>][],
  flatMap: ReadonlyMap<string, Field<unknown>>,
  flags: Record<string, string>,
  source?: string,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, raw] of Object.entries(flags)) {
    const field = flatMap.get(key);
    if (field === undefined) {
      const hint = closest(key, [...flatMap.keys()]);
      const isSectionKey = flat.some(([k]) => k.startsWith(key + '.'));
      throw new ConfigError(
        isSectionKey
          ? `'${key}' is a section of the ${name} config, not a setting${from(source)}; set its keys, e.g. '${
              flat.find(([k]) => k.startsWith(key + '.'))?.[0]
            }'`
          : `unknown key '${key}' in ${name} config${from(source)}` +
              (hint ? `; did you mean '${hint}'?` : '') +
              `; known keys: ${[...flatMap.keys()].join(', ')}`,
        key,
        source,
      );
    }
    let value: unknown;
    try {
      value = field.fromString(raw);
    } catch (e) {
      throw new ConfigError(`${name}.${key}: ${(e as Error).message}${from(source)}`, key, source);
    }
    const parts = key.split('.');
    let node = out;
    for (const p of parts.slice(0, -1)) {
      if (!isPlainObject(node[p])) node[p] = {};
      node = node[p] as Record<string, unknown>;
    }
    node[parts[parts.length - 1]] = value;
  }
  return out;
}

/**
 * Scans argv for flags of the fields `flatMap` (dotted key → field): `--key value`, `--key=value`, `--bool`,
 * `--no-bool`. Anything not starting with `--` (and everything after a bare `--`) is returned in `positional`.
 * Values are not checked here (flagsToLayer does that).
 */
export function argvToFlags(
  flatMap: ReadonlyMap<string, Field<unknown>>,
  argv: readonly string[],
  source: string,
): { flags: Record<string, string>; positional: string[] } {
  const flags: Record<string, string> = {};
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (!a.startsWith('--')) {
      positional.push(a);
      continue;
    }
    const body = a.slice(2);
    const eq = body.indexOf('=');
    let key = eq >= 0 ? body.slice(0, eq) : body;
    let value: string | undefined = eq >= 0 ? body.slice(eq + 1) : undefined;
    if (!flatMap.has(key) && key.startsWith('no-') && flatMap.get(key.slice(3))?.isBool) {
      if (value !== undefined)
        throw new ConfigError(`--${key} takes no value, got '${value}'${from(source)}`, key.slice(3), source);
      key = key.slice(3);
      value = 'false';
    }
    const field = flatMap.get(key);
    if (value === undefined && field !== undefined) {
      const next = argv[i + 1];
      if (field.isBool) {
        if (next !== undefined && (TRUE_STRINGS.has(next.toLowerCase()) || FALSE_STRINGS.has(next.toLowerCase()))) {
          value = next;
          i++;
        } else value = 'true';
      } else {
        if (next === undefined || (next.startsWith('--') && next !== '--')) {
          throw new ConfigError(`--${key} needs a value (${field.type})${from(source)}`, key, source);
        }
        value = next;
        i++;
      }
    }
    if (key in flags) throw new ConfigError(`--${key} given twice${from(source)}`, key, source);
    flags[key] = value ?? '';
  }
  return { flags, positional };
}
