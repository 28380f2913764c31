/**
 * PHP's `json_encode($value, JSON_UNESCAPED_SLASHES)`, the encoding of every line ps_eventbus uploads and
 * of its replies: like JSON.stringify, except that every character outside ASCII is written as a `\uXXXX`
 * escape (lowercase hex; astral characters as their two surrogates, which is what PHP writes too). DEL
 * (0x7f) stays as it is, as in PHP.
 */
export function phpJsonEncode(value: unknown): string {
  return escapeNonAscii(JSON.stringify(value));
}

/** One scalar of a row, encoded as phpJsonEncode would, with a fast path for plain ASCII text. */
export function phpJsonValue(value: unknown): string {
  if (typeof value === 'string') return PLAIN_TEXT.test(value) ? `"${value}"` : escapeNonAscii(JSON.stringify(value));
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : 'null';
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  return phpJsonEncode(value);
}

/** ps_eventbus removes every literal `\u0000` of the encoded batch (HttpClient::formatNewlineJsonString). */
export function stripNulEscapes(line: string): string {
  return line.includes('\\u0000') ? line.replaceAll('\\u0000', '') : line;
}

// Printable ASCII without `"` and `\`: nothing to escape.
const PLAIN_TEXT = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;
const NON_ASCII = /[\u0080-\uffff]/g;

function escapeNonAscii(json: string): string {
  return json.replace(NON_ASCII, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
