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

/** BENCH_BACKENDS ("sqlite,postgres" by default), each named once; anything else is refused. */
export function backendsFromEnv(env: NodeJS.ProcessEnv = process.env): Array<'sqlite' | 'postgres'> {
  const backends = (env.BENCH_BACKENDS ?? 'sqlite,postgres').split(',').map((b) => b.trim()).filter((b) => b !== '');
  for (const backend of backends) {
    if (backend !== 'sqlite' && backend !== 'postgres') throw new Error(`BENCH_BACKENDS: unknown backend ${JSON.stringify(backend)} (sqlite, postgres)`);
  }
  return [...new Set(backends)] as Array<'sqlite' | 'postgres'>;
}

/** An integer setting of a bench: `fallback` when unset, refused below `min`. */
export function integerFromEnv(name: string, raw: string | undefined, fallback: number, min: number): number {
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) throw new Error(`${name} must be an integer >= ${min}, got ${JSON.stringify(raw)}`);
  return value;
}
