// Runs every benchmark in bench/, one after the other (they must never overlap:
// each one saturates the machine). `npm run bench`, or
// `node --import tsx bench/run.ts`; BENCH_DURATION / BENCH_CONNECTIONS apply.

import { existsSync } from 'node:fs';

import { isMain, runMain } from './lib/entry.js';
import { benchOptionsFromEnv, type BenchOptions } from './lib/options.js';
import { benchToken } from './token.js';

type BenchFn = (opts: BenchOptions) => Promise<unknown>;

interface Bench {
  title: string;
  load: () => Promise<BenchFn | undefined>;
}

/**
 * Import `exportName` from a bench module that may not exist yet. The
 * specifier is a variable so the typechecker does not require the file; its
 * existence is checked first so a missing module is a skip, while a module
 * that exists but fails to load is still a loud error.
 */
async function optional(basename: string, exportName: string): Promise<BenchFn | undefined> {
  const exists = ['.ts', '.js'].some((ext) => existsSync(new URL(`./${basename}${ext}`, import.meta.url)));
  if (!exists) return undefined;
  const specifier = `./${basename}.js`;
  const mod = (await import(specifier)) as Record<string, unknown>;
  const fn = mod[exportName];
  if (typeof fn !== 'function') {
    throw new Error(`bench/${basename} does not export a function ${exportName}`);
  }
  return fn as BenchFn;
}

const BENCHES: Bench[] = [
  { title: 'token issuance (client_credentials)', load: async () => benchToken },
  { title: 'token verification', load: () => optional('verify', 'benchVerify') },
  { title: 'ingestion (collector upload)', load: () => optional('ingest', 'benchIngest') },
  { title: 'Raw API (list pages)', load: () => optional('raw', 'benchRaw') },
  { title: 'full sync (psif pulling a simulated shop)', load: () => optional('fullsync', 'benchFullSync') },
  { title: 'billing (subscriptions renewing at one clock tick, and their webhooks)', load: () => optional('billing', 'benchBilling') },
  { title: 'console dashboard (Reporting overview and shop directory)', load: () => optional('console', 'benchConsole') },
];

export async function runAll(opts: BenchOptions): Promise<Record<string, unknown>> {
  const results: Record<string, unknown> = {};
  for (const bench of BENCHES) {
    console.log(`\n=== ${bench.title} ===`);
    const fn = await bench.load();
    if (fn === undefined) {
      console.log('skipped: module not present');
      continue;
    }
    results[bench.title] = await fn(opts);
  }
  return results;
}

if (isMain(import.meta.url)) {
  runMain(() => runAll(benchOptionsFromEnv()));
}
