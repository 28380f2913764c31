// Run-wide benchmark settings, shared by bench/run.ts and the individual
// benches when they are run directly, so both honour the same env overrides.

export interface BenchOptions {
  durationSeconds: number;
  connections: number;
}

export const DEFAULT_DURATION_SECONDS = 10;
// 32 keeps a 2-core machine's server saturated without measuring mostly
// queueing delay in p99.
export const DEFAULT_CONNECTIONS = 32;

/** Defaults, overridden by env BENCH_DURATION (seconds) and BENCH_CONNECTIONS. */
export function benchOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): BenchOptions {
  return {
    durationSeconds: positive('BENCH_DURATION', env.BENCH_DURATION, DEFAULT_DURATION_SECONDS),
    connections: Math.round(positive('BENCH_CONNECTIONS', env.BENCH_CONNECTIONS, DEFAULT_CONNECTIONS)),
  };
}

function positive(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) {
    throw new Error(`${name} must be a positive number, got ${JSON.stringify(raw)}`);
  }
  return value;
}
