export type PeriodUnit = 'day' | 'week' | 'month' | 'year';

const DAY = 86_400_000;

/**
 * `count` periods after `anchor`, on the UTC calendar: months and years keep the anchor's day and time,
 * clamped to the length of short months (Jan 31 + 1 month = Feb 28 or 29), as billing systems do.
 */
export function addPeriod(anchor: number, count: number, unit: PeriodUnit): number {
  if (unit === 'day') return anchor + count * DAY;
  if (unit === 'week') return anchor + count * 7 * DAY;
  const start = new Date(anchor);
  const months = unit === 'year' ? count * 12 : count;
  const year = start.getUTCFullYear();
  const month = start.getUTCMonth() + months;
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  const day = Math.min(start.getUTCDate(), lastDay);
  return Date.UTC(year, month, day, start.getUTCHours(), start.getUTCMinutes(), start.getUTCSeconds(), start.getUTCMilliseconds());
}

/** The first term boundary after `after`: anchor + k periods with k ≥ 1, computed from the anchor so dates never drift. */
export function nextBoundary(anchor: number, after: number, unit: PeriodUnit): number {
  const approximate = unit === 'day' ? DAY : unit === 'week' ? 7 * DAY : unit === 'month' ? 28 * DAY : 365 * DAY;
  let k = Math.max(1, Math.floor((after - anchor) / approximate) - 1);
  while (addPeriod(anchor, k, unit) <= after) k++;
  while (k > 1 && addPeriod(anchor, k - 1, unit) > after) k--;
  return addPeriod(anchor, k, unit);
}
