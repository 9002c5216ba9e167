// Charts as Vega-Lite specifications, with one code path for both outputs: in Node a spec is compiled to Vega and
// rendered to a standalone SVG string (docs and bench figures; no canvas needed), and the report embeds the compiled
// Vega spec next to Vega's own browser bundle, which draws it as SVG in the page (offline: nothing is fetched).
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, View, type Spec } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

/** A Vega-Lite specification (data inline). */
export type ChartSpec = TopLevelSpec;
/** A compiled Vega specification. */
export type VegaSpec = Spec;

/** Compiles a Vega-Lite spec to Vega (what the report embeds and the browser bundle draws). */
export function compileChart(spec: ChartSpec): VegaSpec {
  return compile(spec).spec;
}

/** Renders a Vega-Lite spec to a standalone SVG document in Node (no browser, no canvas). */
export async function chartSvg(spec: ChartSpec): Promise<string> {
  const view = new View(parse(compileChart(spec)), { renderer: 'none' });
  try {
    return (await view.toSVG()) + '\n';
  } finally {
    view.finalize();
  }
}

/** The text of Vega's minified browser bundle (the installed `vega` package's build/vega.min.js), to inline. */
export function vegaBrowserBundle(): string {
  const moduleFile = fileURLToPath(import.meta.resolve('vega'));
  const file = join(dirname(moduleFile), 'vega.min.js');
  const text = readFileSync(file, 'utf8');
  if (/<\/script|<!--/i.test(text)) throw new Error(`${file}: cannot be inlined in a <script> element`);
  return text;
}
