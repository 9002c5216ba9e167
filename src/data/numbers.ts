/**
 * Strict decimal number parsing for the loaders. `Number()` accepts far too much (`Number('0x10')` = 16,
 * `Number('')` = 0, `Number(' 12 ')` = 12, `Number('Infinity')`, and integers above 2^53 silently rounded), so
 * every number read from a data file or a spec goes through these helpers instead.
 *
 * - integers: `/^-?\d+$/` (no sign `+`, no spaces, no exponent, no hex) and a safe integer (|n| ≤ 2^53 − 1);
 * - decimals (timestamps, fractions): `-?` digits with an optional fraction and an optional exponent
 *   (`1700000000`, `1.5`, `.5`, `1.7e9`), finite.
 */

const INT_RE = /^-?\d+$/;
const DECIMAL_RE = /^-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** Why `s` is not a strict integer, or undefined when it is one. */
export function intProblem(s: string): string | undefined {
  if (!INT_RE.test(s)) return 'not a decimal integer';
  if (!Number.isSafeInteger(Number(s))) return 'not a safe integer (|n| > 2^53 − 1 would be rounded)';
  return undefined;
}

/** A strict decimal integer (see the module doc), or undefined. */
export function parseStrictInt(s: string): number | undefined {
  return intProblem(s) === undefined ? Number(s) : undefined;
}

/** Why `s` is not a strict finite decimal, or undefined when it is one. */
export function decimalProblem(s: string): string | undefined {
  if (!DECIMAL_RE.test(s)) return 'not a decimal number';
  if (!Number.isFinite(Number(s))) return 'not a finite number';
  return undefined;
}

/** A strict finite decimal number (see the module doc), or undefined. */
export function parseStrictDecimal(s: string): number | undefined {
  return decimalProblem(s) === undefined ? Number(s) : undefined;
}

/** Quotes a field value for an error message, shortened when long. */
export function quoteValue(s: string, max = 60): string {
  const q = JSON.stringify(s.length > max ? s.slice(0, max) + '…' : s);
  return q;
}
