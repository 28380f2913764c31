/**
 * Fixed-window request counter per key, in process memory. Several limits apply to one request (per IP
 * and per client), which @fastify/rate-limit cannot do on one route; this is the whole of what is needed.
 * Limits are per process: with N API processes the effective limit is N times higher.
 */
export class RateLimiter {
  private windows = new Map<string, { count: number; resetAt: number }>();
  private lastSweep = 0;

  constructor(
    readonly max: number,
    private readonly windowMs: number,
  ) {}

  /** Counts one request; returns how long to wait (seconds) when the limit is exceeded, else 0. */
  hit(key: string, now = Date.now()): number {
    this.sweep(now);
    let window = this.windows.get(key);
    if (!window || window.resetAt <= now) {
      window = { count: 0, resetAt: now + this.windowMs };
      this.windows.set(key, window);
    }
    window.count += 1;
    return window.count > this.max ? Math.ceil((window.resetAt - now) / 1000) : 0;
  }

  private sweep(now: number): void {
    if (now - this.lastSweep < this.windowMs) return;
    this.lastSweep = now;
    for (const [key, window] of this.windows) if (window.resetAt <= now) this.windows.delete(key);
  }
}
