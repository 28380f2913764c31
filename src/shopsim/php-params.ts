/**
 * How ps_eventbus' front controllers read their parameters with PrestaShop's Tools::getValue and PHP 8's
 * loose comparisons, so that odd values get the module's odd answers.
 */

/** Tools::getValue: a form field wins over the query parameter of the same name. */
export type Params = ReadonlyMap<string, string>;

// PHP 8 is_numeric: surrounding whitespace allowed, no hex, no empty string.
const PHP_NUMERIC = /^[ \t\n\r\v\f]*[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?[ \t\n\r\v\f]*$/;
const LEADING_NUMERIC = /^[ \t\n\r\v\f]*[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/;

/** `$value ?: $default`: PHP treats "" and "0" as false. */
export function phpFalsy(value: string | undefined): boolean {
  return value === undefined || value === '' || value === '0';
}

/** `Tools::getValue($name, 0) == 1` (used for `full`): numeric strings compare as numbers, others as text. */
export function phpEqualsOne(value: string | undefined): boolean {
  if (value === undefined) return false;
  return PHP_NUMERIC.test(value) ? Number(value) === 1 : value === '1';
}

export type LimitParam = { ok: true; limit: number } | { ok: false; error: 'negative' | 'fatal' };

/**
 * `limit` as the module treats it: `$limit < 0` is refused with 458 (PHP 8 compares a non-numeric string
 * with 0 as text, so "" and "-x" are "negative"); then the value is passed to an `int` parameter, where a
 * leading-numeric string such as "10abc" becomes 10 and a non-numeric one ("abc") is an uncaught TypeError:
 * a PHP fatal error, HTTP 500 with an empty body.
 */
export function parseLimit(raw: string | undefined): LimitParam {
  if (raw === undefined) return { ok: true, limit: 50 };
  if (PHP_NUMERIC.test(raw)) {
    const value = Number(raw);
    if (!Number.isFinite(value)) return { ok: false, error: 'fatal' };
    return value < 0 ? { ok: false, error: 'negative' } : { ok: true, limit: Math.trunc(value) };
  }
  if (raw < '0') return { ok: false, error: 'negative' };
  const leading = LEADING_NUMERIC.exec(raw);
  return leading ? { ok: true, limit: Math.trunc(Number(leading[0])) } : { ok: false, error: 'fatal' };
}
