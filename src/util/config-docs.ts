/** The Markdown documentation of a typed configuration (see ./config.ts): `ConfigDef.docs()`. */
import type { Field } from './config-schema.js';

function escapeMd(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/** Markdown table of the fields `flat` (dotted key → field): key, type, default, description, paper. */
export function docsTable(flat: readonly [string, Field<unknown>][]): string {
  const lines = ['| key | type | default | description | paper |', '| --- | --- | --- | --- | --- |'];
  for (const [k, f] of flat) {
    const d = f.default;
    const dflt = Array.isArray(d) ? d.join(',') : typeof d === 'string' ? `'${d}'` : String(d);
    lines.push(
      `| \`${escapeMd(k)}\` | ${escapeMd(f.type)} | \`${escapeMd(dflt)}\` | ${escapeMd(f.doc)} | ${escapeMd(
        f.paper ?? '',
      )} |`,
    );
  }
  return lines.join('\n') + '\n';
}
