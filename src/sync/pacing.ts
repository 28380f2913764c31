/**
 * How fast psif asks: the adaptive page size and the retry delays. Pure functions, so the rules are
 * tested without a shop.
 */

/** Grows the page while calls are quick, shrinks it when they are slow, within [min, max]. */
export function nextPageSize(current: number, durationMs: number, options: { targetPageMs: number; maxPageSize: number; minPageSize?: number }): number {
  const min = options.minPageSize ?? 10;
  if (durationMs > options.targetPageMs) return Math.max(min, Math.floor(current / 2));
  if (durationMs < options.targetPageMs / 4) return Math.min(options.maxPageSize, current * 2);
  return current;
}

/** After a failure that suggests the page was too big or too slow. */
export function shrunkPageSize(current: number, minPageSize = 10): number {
  return Math.max(minPageSize, Math.floor(current / 2));
}

/**
 * Exponential backoff with "equal jitter": half the delay is fixed, half random, so retries of many
 * pulls that failed together (a shop restarting) spread out but still back off.
 */
export function retryDelay(failures: number, options: { retryBaseMs: number; retryMaxMs: number }, random: () => number = Math.random): number {
  const exponential = Math.min(options.retryMaxMs, options.retryBaseMs * 2 ** Math.max(0, failures - 1));
  return Math.round(exponential / 2 + random() * (exponential / 2));
}
