import type { Property, PropertyType } from './catalog.js';

/**
 * Turns a wire value into the value stored for a property, or explains why it cannot be stored.
 *
 * Stored values: strings, finite numbers, booleans, datetimes as epoch milliseconds (UTC), dates as
 * `YYYY-MM-DD` text and objects as JSON text. The rules accept the lossless variations real shops produce
 * (PDO hands back "12" for 12 on some PHP versions, `(string)` casts, PHP 7.1+ writing 10.0) and refuse
 * anything that would have to be guessed. They are documented in docs/cloudsync.md.
 */
export type Decoded = { ok: true; value: string | number | boolean | null } | { ok: false; reason: string };

const INTEGER_TEXT = /^-?\d{1,16}$/;
const NUMBER_TEXT = /^-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
// ISO 8601 with a numeric offset (±hhmm as PHP's `O` writes it, or ±hh:mm) or Z, or a MySQL datetime.
const DATETIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?(Z|[+-]\d{2}:?\d{2})?$/;

export function decodeProperty(property: Property, value: unknown): Decoded {
  if (value === null) return property.nullable ? ok(null) : fail('must not be null');
  return DECODERS[property.type](value);
}

const DECODERS: Record<PropertyType, (value: unknown) => Decoded> = {
  string(value) {
    if (typeof value === 'string') return ok(value);
    if (typeof value === 'number' && Number.isFinite(value)) return ok(String(value));
    return fail(`must be a string, got ${describeType(value)}`);
  },
  integer(value) {
    if (typeof value === 'number') return Number.isSafeInteger(value) ? ok(value) : fail(`must be an integer, got ${value}`);
    if (typeof value === 'string' && INTEGER_TEXT.test(value)) {
      const parsed = Number(value);
      if (Number.isSafeInteger(parsed)) return ok(parsed);
    }
    return fail(`must be an integer, got ${describeValue(value)}`);
  },
  number(value) {
    if (typeof value === 'number' && Number.isFinite(value)) return ok(value);
    if (typeof value === 'string' && NUMBER_TEXT.test(value)) return ok(Number(value));
    return fail(`must be a number, got ${describeValue(value)}`);
  },
  boolean(value) {
    if (typeof value === 'boolean') return ok(value);
    if (value === 0 || value === '0') return ok(false);
    if (value === 1 || value === '1') return ok(true);
    return fail(`must be a boolean, got ${describeValue(value)}`);
  },
  datetime(value) {
    if (typeof value !== 'string') return fail(`must be a datetime string, got ${describeType(value)}`);
    // ps_eventbus itself turns empty and zero dates into null before sending.
    if (value === '' || value.startsWith('0000-00-00')) return ok(null);
    const instant = parseDatetime(value);
    return instant === undefined ? fail(`must be an ISO 8601 or MySQL datetime, got ${describeValue(value)}`) : ok(instant);
  },
  date(value) {
    if (typeof value !== 'string') return fail(`must be a YYYY-MM-DD string, got ${describeType(value)}`);
    if (value === '0000-00-00') return ok(value);
    const match = DATE.exec(value);
    if (!match || !validDate(Number(match[1]), Number(match[2]), Number(match[3]))) return fail(`must be a YYYY-MM-DD date, got ${describeValue(value)}`);
    return ok(value);
  },
  object(value) {
    // PHP writes an empty features/attributes list as "" or [] rather than {}.
    if ((typeof value === 'object' && value !== null) || value === '') return ok(JSON.stringify(value));
    return fail(`must be an object, got ${describeType(value)}`);
  },
};

/** Epoch milliseconds, or undefined when the text is not a real instant. Naive datetimes are read as UTC. */
export function parseDatetime(text: string): number | undefined {
  const m = DATETIME.exec(text);
  if (!m) return undefined;
  // Field by field rather than an array of Numbers: this runs for every datetime of every uploaded row.
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hour = Number(m[4]);
  const minute = Number(m[5]);
  const second = Number(m[6]);
  if (!validDate(year, month, day) || hour > 23 || minute > 59 || second > 59) return undefined;
  const millis = m[7] ? Number(m[7].slice(0, 3).padEnd(3, '0')) : 0;
  let offsetMinutes = 0;
  const zone = m[8];
  if (zone && zone !== 'Z') {
    const digits = zone.replace(':', '');
    const hours = Number(digits.slice(1, 3));
    const minutes = Number(digits.slice(3, 5));
    if (hours > 23 || minutes > 59) return undefined;
    offsetMinutes = (zone[0] === '-' ? -1 : 1) * (hours * 60 + minutes);
  }
  return Date.UTC(year, month - 1, day, hour, minute, second, millis) - offsetMinutes * 60_000;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function validDate(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  const leap = month === 2 && year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return day <= DAYS_IN_MONTH[month - 1]! + (leap ? 1 : 0);
}

function ok(value: string | number | boolean | null): Decoded {
  return { ok: true, value };
}

function fail(reason: string): Decoded {
  return { ok: false, reason };
}

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return describeType(value);
}
