// Token verification benchmark: access-token verifications per second on one
// core (one thread, in-process) with psif's own AccessTokenVerifier, the one
// behind every resource route and introspection. The goal is >= 20,000/s.
//
//   node --import tsx bench/verify.ts         (BENCH_DURATION=5 for a quick run)
//
// Scenarios:
//   cold ES256  every verification is of a token not seen before, so every one
//               does the signature check (jose) plus revocation/client checks
//               (see coldStep: fresh verifier and TokenState per pass);
//   cold RS256  the same after rotating the signing key to RS256;
//   warm        a few tokens verified again and again: the signature check is
//               served from the verifier's cache, the revocation and
//               client-status checks still run (TokenState's cache, which
//               re-reads SQLite once per PSIF_AUTH_CACHE_MS).
// Same-run references on the same ES256 tokens: raw jose.jwtVerify with a
// local key and the same claim rules (what psif costs on top of jose), and a
// bare node:crypto signature check (the floor for any ES256 verifier here).

import { KeyObject, verify as cryptoVerify, type webcrypto } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { decodeProtectedHeader, jwtVerify } from 'jose';

import { type Core, openCore } from '../src/app.js';
import type { Client } from '../src/auth/model.js';
import { issueAccessToken } from '../src/auth/services/issue-token.js';
import { TokenState } from '../src/auth/services/token-state.js';
import { ACCEPTED_ALGORITHMS, AccessTokenVerifier } from '../src/auth/services/verify-access-token.js';
import { loadConfig } from '../src/platform/config/config.js';
import { isMain, runMain } from './lib/entry.js';
import { printTable, ratio, serverCore } from './lib/load.js';
import { benchOptionsFromEnv, type BenchOptions } from './lib/options.js';

const GOAL = 20_000;
const ES256_POOL = 20_000;
// RS256 signing costs ~0.3 ms a token, so the pool is smaller; each cold pass
// over a pool starts with empty caches (see coldStep), so it stays cold.
const RS256_POOL = 5_000;
const WARM_TOKENS = 16;
const WARMUP_CALLS = 1_000;
// Each scenario runs for half of BENCH_DURATION, at least this long: in-process
// and CPU-bound, it settles faster than the HTTP benches.
const MIN_SCENARIO_SECONDS = 1;

export interface VerifyFigures {
  perSecond: number;
  p50Us: number;
  p99Us: number;
  count: number;
}

export interface VerifyBenchResult {
  goal: number;
  coldEs256: VerifyFigures;
  coldRs256: VerifyFigures;
  warm: VerifyFigures;
  joseEs256: VerifyFigures;
  cryptoEs256: VerifyFigures;
  /** psif cold ES256 divided by raw jose on the same tokens. */
  psifToJose: number;
  pinnedCore: string | undefined;
}

type Step = (i: number) => Promise<unknown> | unknown;

/**
 * Calls `step` one at a time (each awaited: one verification in flight, as on
 * one request path) for `seconds`, timing every call.
 */
async function measure(seconds: number, step: Step): Promise<VerifyFigures> {
  for (let i = 0; i < WARMUP_CALLS; i++) await step(i);
  const latencies: number[] = [];
  const start = performance.now();
  const end = start + seconds * 1000;
  let now = start;
  for (let i = WARMUP_CALLS; now < end; i++) {
    const t0 = performance.now();
    await step(i);
    now = performance.now();
    latencies.push(now - t0);
  }
  const elapsed = (now - start) / 1000;
  const sorted = Float64Array.from(latencies).sort();
  const at = (q: number): number => Math.round((sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0) * 1000 * 10) / 10;
  return { perSecond: latencies.length / elapsed, p50Us: at(0.5), p99Us: at(0.99), count: latencies.length };
}

function issuePool(core: Core, client: Client, size: number): string[] {
  const grant = { scopes: client.scopes, audiences: client.audiences };
  const tokens: string[] = [];
  for (let i = 0; i < size; i++) {
    tokens.push(issueAccessToken(core.auth.keys, core.config.publicUrl, client, grant, core.config.auth.accessTokenTtlSeconds).accessToken);
  }
  return tokens;
}

/**
 * Cold verifications through psif's verifier: what a process pays the first time it sees a token. Each
 * pass over the pool uses a new AccessTokenVerifier and TokenState over the core's KeyStore and
 * repositories, wired with the core's options as createAuthModule does, so no call is served from the
 * signature cache or from a revocation answer cached in an earlier pass (whatever the pool size): every
 * one checks the signature and looks the jti up in the database.
 */
function coldStep(core: Core, pool: readonly string[], audiences: readonly string[]): Step {
  const { auth, config } = core;
  const fresh = (): AccessTokenVerifier =>
    new AccessTokenVerifier(auth.keys, new TokenState(auth.clientsRepository, auth.revocations, config.auth.stateCacheMs), {
      issuer: config.publicUrl,
      clockLeewaySeconds: config.auth.clockLeewaySeconds,
    });
  let verifier = fresh();
  // Indexes come in order, so within a pass no token repeats: the warm-up calls (the first ones of the
  // first pass) are the only ones that could hit a cache, and they are not timed.
  return (i) => {
    const index = i % pool.length;
    if (index === 0 && i > 0) verifier = fresh();
    return verifier.verify(pool[index] as string, { audiences });
  };
}

/** The same claim rules psif gives jose, without psif's key lookup, cache and state checks. */
function joseStep(core: Core, pool: readonly string[], key: KeyObject): Step {
  const options = {
    algorithms: [...ACCEPTED_ALGORITHMS],
    issuer: core.config.publicUrl,
    typ: 'at+jwt',
    clockTolerance: core.config.auth.clockLeewaySeconds,
    requiredClaims: ['exp', 'iat', 'jti', 'sub', 'client_id'],
  };
  return (i) => jwtVerify(pool[i % pool.length] as string, key, options);
}

/** Only the ES256 signature check (base64url decode + ECDSA verify): what no verifier can go below. */
function cryptoStep(pool: readonly string[], key: KeyObject): Step {
  return (i) => {
    const token = pool[i % pool.length] as string;
    const dot = token.lastIndexOf('.');
    const ok = cryptoVerify('sha256', Buffer.from(token.slice(0, dot), 'latin1'), { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(token.slice(dot + 1), 'base64url'));
    if (!ok) throw new Error('node:crypto rejected a token psif issued');
  };
}

async function verificationKeyOf(core: Core, token: string): Promise<KeyObject> {
  const { kid } = decodeProtectedHeader(token);
  const key = typeof kid === 'string' ? await core.auth.keys.verificationKey(kid) : undefined;
  if (!key) throw new Error(`no verification key for kid ${String(kid)}`);
  return KeyObject.from(key as unknown as webcrypto.CryptoKey);
}

/** Fails loudly if the verifier rejects our own tokens, rather than timing error paths. */
async function checkAccepted(step: Step, clientId: string): Promise<void> {
  const principal = (await step(0)) as { clientId?: string } | undefined;
  if (principal?.clientId !== clientId) throw new Error(`the verifier did not accept a token of client ${clientId}`);
}

export async function benchVerify(opts: BenchOptions = benchOptionsFromEnv()): Promise<VerifyBenchResult> {
  // Pins this process (its event loop and V8/libuv helper threads) to one core when taskset exists.
  const pinnedCore = serverCore() === undefined ? undefined : '0';
  const seconds = Math.max(MIN_SCENARIO_SECONDS, opts.durationSeconds / 2);
  console.log(`token verification: in-process, one verification at a time, ${seconds} s per scenario; ${pinnedCore === undefined ? 'no CPU pinning (taskset missing)' : `pinned to core ${pinnedCore}`}`);

  const dataDir = await mkdtemp(join(tmpdir(), 'psif-bench-verify-'));
  // Only what the bench sets: a developer's exported PSIF_* must not change the setup.
  const core = await openCore(loadConfig({ PSIF_DATA_DIR: dataDir, PSIF_PUBLIC_URL: 'http://127.0.0.1:8080', LOG_LEVEL: 'silent' }));
  try {
    const { client } = await core.auth.clients.create({ kind: 'vendor', name: 'bench' });
    const audiences = [core.config.apiAudience];

    const es256 = issuePool(core, client, ES256_POOL);
    const esKey = await verificationKeyOf(core, es256[0] as string);

    const coldEs = coldStep(core, es256, audiences);
    await checkAccepted(coldEs, client.clientId);
    const coldEs256 = await measure(seconds, coldEs);
    const joseEs256 = await measure(seconds, joseStep(core, es256, esKey));
    const cryptoEs256 = await measure(seconds, cryptoStep(es256, esKey));

    // The warm set: tokens of the cold pool are already in no cache of core.auth.verifier.
    const warmSet = es256.slice(0, WARM_TOKENS);
    const warmStep: Step = (i) => core.auth.verifier.verify(warmSet[i % warmSet.length] as string, { audiences });
    await checkAccepted(warmStep, client.clientId);
    const warm = await measure(seconds, warmStep);

    await core.auth.keys.rotate('RS256');
    const rs256 = issuePool(core, client, RS256_POOL);
    if (decodeProtectedHeader(rs256[0] as string).alg !== 'RS256') throw new Error('rotation to RS256 did not change the signing algorithm');
    const coldRs = coldStep(core, rs256, audiences);
    await checkAccepted(coldRs, client.clientId);
    const coldRs256 = await measure(seconds, coldRs);

    const result: VerifyBenchResult = {
      goal: GOAL,
      coldEs256,
      coldRs256,
      warm,
      joseEs256,
      cryptoEs256,
      psifToJose: coldEs256.perSecond / joseEs256.perSecond,
      pinnedCore,
    };
    report(result);
    return result;
  } finally {
    await core.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

function report(r: VerifyBenchResult): void {
  const row = (name: string, f: VerifyFigures, counts: boolean) => ({
    verifier: name,
    'verifications/s': Math.round(f.perSecond),
    'p50 µs': f.p50Us,
    'p99 µs': f.p99Us,
    [`>= ${r.goal}/s`]: counts ? (f.perSecond >= r.goal ? 'yes' : 'NO') : '(reference)',
  });
  console.log();
  printTable([
    row('psif cold ES256', r.coldEs256, true),
    row('psif cold RS256', r.coldRs256, true),
    row(`psif warm (${WARM_TOKENS} tokens)`, r.warm, true),
    row('jose.jwtVerify ES256', r.joseEs256, false),
    row('node:crypto ES256 sig', r.cryptoEs256, false),
  ]);
  console.log();
  console.log(`psif/jose (cold ES256): ${ratio(r.coldEs256.perSecond, r.joseEs256.perSecond)}`);
  console.log(`goal: >= ${r.goal.toLocaleString('en-US')} verifications/s on one core`);
  if (r.coldEs256.perSecond < r.goal) {
    const floor = Math.round(r.cryptoEs256.perSecond).toLocaleString('en-US');
    const jose = Math.round(r.joseEs256.perSecond).toLocaleString('en-US');
    const why =
      r.cryptoEs256.perSecond < r.goal
        ? `even the bare node:crypto ES256 signature check does only ${floor}/s here (jose: ${jose}/s), so no ES256 verifier reaches it cold on one core`
        : `the bare node:crypto ES256 signature check does ${floor}/s here, jose ${jose}/s: jose's WebCrypto path is the limit`;
    console.log(`cold ES256 is BELOW the goal: ${why}. Warm (cached) verification ${r.warm.perSecond >= r.goal ? 'meets' : 'misses'} it.`);
  }
}

if (isMain(import.meta.url)) {
  runMain(() => benchVerify(benchOptionsFromEnv()));
}
