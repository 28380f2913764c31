import { ApiError } from '../platform/http/api-error.js';

/** A time window [start, end) in epoch milliseconds. */
export interface ReportWindow {
  start: number;
  end: number;
}

const HOUR_MS = 3_600_000;
export const DEFAULT_WINDOW_MS = 24 * HOUR_MS;

/**
 * The window of an error report from its `start` and `end` parameters (ISO 8601 date-times, already checked
 * by the route schema): the last 24 hours by default; `start` alone runs to now, `end` alone starts 24 hours
 * earlier. It must not be empty, and may span at most `maxDays` days (the sync history psif keeps).
 */
export function reportWindow(query: { start?: string | undefined; end?: string | undefined }, maxDays: number, now = Date.now()): ReportWindow {
  const start = query.start === undefined ? undefined : instant(query.start, 'start');
  const end = query.end === undefined ? now : instant(query.end, 'end');
  const from = start ?? end - DEFAULT_WINDOW_MS;
  if (end <= from) throw ApiError.badRequest('invalid_window', 'end must be after start', { field: 'end', start: new Date(from).toISOString(), end: new Date(end).toISOString() });
  if (end - from > maxDays * 24 * HOUR_MS) {
    throw ApiError.badRequest('invalid_window', `the window may span at most ${maxDays} days`, { field: 'start', maxDays });
  }
  return { start: from, end };
}

/** An ISO 8601 date-time the route schema accepted, as epoch milliseconds. */
export function instant(text: string, field: string): number {
  const ms = Date.parse(text);
  // The schema's date-time format lets through what Date cannot represent, such as a leap second.
  if (!Number.isFinite(ms)) throw ApiError.badRequest('validation_failed', `querystring.${field} must be an ISO 8601 date-time`, { location: 'querystring', field });
  return ms;
}
