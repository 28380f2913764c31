// Shared plumbing for the benchmarks: start a server in a child process, drive
// it with autocannon, and print results. Servers always run out of process so
// the load generator (which needs a full core itself) never competes with the
// server on the same event loop.

import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import autocannon, { type Result } from 'autocannon';

const READY_TIMEOUT_MS = 30_000;
const STOP_GRACE_MS = 5_000;
// Keep only the tail of a child's output: enough to explain a failed start
// without buffering a chatty server's whole log for the life of the run.
const OUTPUT_TAIL_CHARS = 8_000;

export interface ServerProcess {
  child: ChildProcess;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Also treat the server as ready as soon as this URL answers 2xx. */
  readyUrl?: string;
  timeoutMs?: number;
  /** Working directory; matters for `--import tsx`, resolved from the cwd. */
  cwd?: string;
  /** Environment that `env` is layered over (default: process.env). */
  baseEnv?: NodeJS.ProcessEnv;
}

/**
 * Spawn `cmd args` with `env` layered over the current environment and resolve
 * once its stdout/stderr matches `readyPattern` (or `opts.readyUrl` answers
 * 2xx, whichever comes first). Rejects, after killing the child, if it exits
 * early or is not ready within 30 s.
 */
export function startServerProcess(
  cmd: string,
  args: string[],
  env: Record<string, string>,
  readyPattern: RegExp,
  opts: StartOptions = {},
): Promise<ServerProcess> {
  const pinned = serverCore();
  const child = spawn(pinned === undefined ? cmd : 'taskset', pinned === undefined ? args : ['-c', pinned, cmd, ...args], {
    env: { ...(opts.baseEnv ?? process.env), ...env },
    ...(opts.cwd === undefined ? {} : { cwd: opts.cwd }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    // A server that ignores SIGTERM (or drains slowly) must not hang the bench.
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
    await exited;
    clearTimeout(timer);
  };

  return new Promise<ServerProcess>((resolve, reject) => {
    let output = '';
    let settled = false;

    const finish = (err?: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timeout);
      // Stop consuming output for the pattern, but keep draining the pipes so
      // a server that logs a lot never blocks on a full pipe buffer.
      child.stdout?.removeListener('data', onData);
      child.stderr?.removeListener('data', onData);
      child.stdout?.resume();
      child.stderr?.resume();
      if (err) {
        void stop().then(() => reject(err));
      } else {
        resolve({ child, stop });
      }
    };

    const onData = (chunk: Buffer): void => {
      output = (output + chunk.toString('utf8')).slice(-OUTPUT_TAIL_CHARS);
      if (readyPattern.test(output)) finish();
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);

    child.once('error', (err) => finish(err));
    child.once('exit', (code, signal) => {
      finish(new Error(`${cmd} ${args.join(' ')} exited before ready (code ${code}, signal ${signal})\n${output}`));
    });

    const timeoutMs = opts.timeoutMs ?? READY_TIMEOUT_MS;
    const timeout = setTimeout(() => {
      finish(new Error(`${cmd} ${args.join(' ')} not ready after ${timeoutMs} ms\n${output}`));
    }, timeoutMs);

    if (opts.readyUrl !== undefined) {
      void pollUntilOk(opts.readyUrl, () => settled).then((ok) => {
        if (ok) finish();
      });
    }
  });
}

/** Poll `url` every 100 ms until it answers 2xx (true) or `gaveUp()` (false). */
async function pollUntilOk(url: string, gaveUp: () => boolean): Promise<boolean> {
  while (!gaveUp()) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1_000) });
      await res.arrayBuffer();
      if (res.ok) return true;
    } catch {
      // Not listening yet: connection refused is the expected case here.
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

export interface LoadOptions {
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: string;
  connections: number;
  durationSeconds: number;
  /** Run the same load this long first and discard it (JIT, caches, pools). */
  warmupSeconds?: number;
}

export interface LoadResult {
  /** Successful (2xx) responses per second over the measured run. */
  rps: number;
  /** Latency percentiles in milliseconds, over all responses. */
  p50: number;
  p99: number;
  non2xx: number;
  /** Socket-level errors, timeouts included. */
  errors: number;
}

/**
 * Drive `url` with autocannon and summarise. Makes one plain request first so
 * a misconfigured target fails loudly with its response body, instead of
 * producing a very fast benchmark of error responses.
 */
export async function runLoad(opts: LoadOptions): Promise<LoadResult> {
  await probe(opts);

  if (opts.warmupSeconds !== undefined && opts.warmupSeconds > 0) {
    await autocannonRun(opts, opts.warmupSeconds);
  }
  const result = await autocannonRun(opts, opts.durationSeconds);

  const ok = result['2xx'];
  // autocannon's `errors` already includes `timeouts`.
  if (result.non2xx + result.errors > ok) {
    throw new Error(
      `${opts.method} ${opts.url}: most responses failed ` +
        `(2xx ${ok}, non-2xx ${result.non2xx}, errors ${result.errors}, timeouts ${result.timeouts})`,
    );
  }
  return {
    rps: result.duration > 0 ? ok / result.duration : 0,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
  };
}

async function probe(opts: LoadOptions): Promise<void> {
  const res = await fetch(opts.url, {
    method: opts.method,
    headers: opts.headers,
    ...(opts.body === undefined ? {} : { body: opts.body }),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  if (!res.ok) {
    throw new Error(`${opts.method} ${opts.url} answered ${res.status} to the probe request: ${text.slice(0, 500)}`);
  }
}

function autocannonRun(opts: LoadOptions, durationSeconds: number): Promise<Result> {
  return new Promise<Result>((resolve, reject) => {
    autocannon(
      {
        url: opts.url,
        method: opts.method,
        headers: opts.headers,
        ...(opts.body === undefined ? {} : { body: opts.body }),
        connections: opts.connections,
        duration: durationSeconds,
      },
      (err, result) => (err ? reject(err) : resolve(result)),
    );
  });
}

export type Row = Record<string, string | number>;

/**
 * Print rows as an aligned table; columns come from the first row's keys.
 * Numbers are right-aligned (and shown with at most 2 decimals), text left.
 */
export function printTable(rows: readonly Row[]): void {
  const first = rows[0];
  if (first === undefined) return;
  const columns = Object.keys(first);
  const cell = (v: string | number | undefined): string =>
    v === undefined ? '' : typeof v === 'number' ? formatNumber(v) : v;
  // A column (header included) is right-aligned when the first row holds a number there.
  const right = columns.map((c) => typeof first[c] === 'number');
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (values: Array<string | number | undefined>): string =>
    values
      .map((v, i) => {
        const w = widths[i] ?? 0;
        return right[i] ? cell(v).padStart(w) : cell(v).padEnd(w);
      })
      .join('  ')
      .trimEnd();

  console.log(line(columns));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of rows) console.log(line(columns.map((c) => row[c])));
}

function formatNumber(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(2);
}

/** `a / b` as e.g. "2.31x"; "n/a" when b is zero (baseline missing or failed). */
export function ratio(a: number, b: number): string {
  if (!Number.isFinite(a) || !Number.isFinite(b) || b === 0) return 'n/a';
  return `${(a / b).toFixed(2)}x`;
}

/**
 * A port that was free a moment ago. Racy by nature (another process could
 * take it before our child binds), which is acceptable for a local benchmark.
 */
export function freePort(): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (address === null || typeof address === 'string') {
        server.close();
        reject(new Error('could not determine a free port'));
        return;
      }
      const { port } = address;
      server.close(() => resolve(port));
    });
  });
}

let pinning: string | null | undefined;

/**
 * On a 2-core machine the load generator and the server fight for CPU, and the fight, not the server,
 * sets the figure. When `taskset` exists the bench process is pinned to core 0 and every server to
 * core 1, so each server under test gets exactly one core, the same for psif and its baseline.
 * Returns the core list for servers, or undefined when pinning is unavailable.
 */
export function serverCore(): string | undefined {
  if (pinning === undefined) {
    try {
      execFileSync('taskset', ['-cp', '0', String(process.pid)], { stdio: 'ignore' });
      pinning = '1';
    } catch {
      pinning = null;
    }
  }
  return pinning ?? undefined;
}

/**
 * The environment of a psif server under benchmark: its own data dir, bound to 127.0.0.1 with a public URL
 * equal to the address dialled (token audiences must match it), warnings only, and no rate limits (they
 * would turn most of a run into 429s).
 */
export function psifServerEnv(dataDir: string, port: number): Record<string, string> {
  return {
    PSIF_DATA_DIR: dataDir,
    PSIF_PORT: String(port),
    PSIF_HOST: '127.0.0.1',
    PSIF_PUBLIC_URL: `http://127.0.0.1:${port}`,
    LOG_LEVEL: 'warn',
    PSIF_RATE_LIMIT_TOKEN_PER_IP: '0',
    PSIF_RATE_LIMIT_TOKEN_PER_CLIENT: '0',
  };
}

/**
 * The environment psif's children start from: ours, minus any PSIF_*, DATABASE_URL or LOG_LEVEL a developer
 * has exported, so a bench always measures the setup it describes.
 */
export function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (key.startsWith('PSIF_') || key === 'DATABASE_URL' || key === 'LOG_LEVEL') continue;
    env[key] = value;
  }
  return env;
}

/**
 * The node arguments that start psif as `npm start` does (the node flags of package.json's start script,
 * then `cli start`), plus BENCH_PSIF_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof"): benches
 * measure psif as it is run.
 */
export function psifStartArgs(repoRoot: string, cli: string): string[] {
  const start = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start;
  const match = /^node((?:\s+--\S+)*)\s+dist\/cli\.js start$/.exec(start);
  if (!match) throw new Error(`package.json's start script is not "node [--flags] dist/cli.js start": ${start}`);
  const extra = (process.env.BENCH_PSIF_NODE_ARGS ?? '').split(' ').filter(Boolean);
  return [...match[1]!.trim().split(/\s+/).filter(Boolean), ...extra, cli, 'start'];
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Each figure is the median over the rounds (so p99 is the median round's p99, not a pooled one). */
export function medianResult(runs: LoadResult[]): LoadResult {
  return {
    rps: median(runs.map((r) => r.rps)),
    p50: median(runs.map((r) => r.p50)),
    p99: median(runs.map((r) => r.p99)),
    non2xx: runs.reduce((sum, r) => sum + r.non2xx, 0),
    errors: runs.reduce((sum, r) => sum + r.errors, 0),
  };
}

/** Benches measure dist/, not src/: say so when src/ changed since `cli` was built. */
export function warnIfStaleBuild(repoRoot: string, cli: string): void {
  if (process.env.BENCH_PSIF_CLI !== undefined) return;
  const newest = (dir: string): number => {
    let latest = 0;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
    }
    return latest;
  };
  if (newest(join(repoRoot, 'src')) > statSync(cli).mtimeMs) {
    console.log('warning: src/ changed after dist/cli.js was built; this measures the last build (`npm run build` to refresh)');
  }
}

/** The JSON object in a CLI's stdout: the whole output, else its last `{…}` line. */
export function parseJsonOutput(stdout: string): Record<string, unknown> | undefined {
  const candidates = [stdout, ...stdout.split('\n').reverse()].map((s) => s.trim()).filter((s) => s.startsWith('{'));
  for (const text of candidates) {
    try {
      const value: unknown = JSON.parse(text);
      if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
    } catch {
      // Not this one; try the next candidate.
    }
  }
  return undefined;
}
