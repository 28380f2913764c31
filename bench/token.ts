// Token issuance benchmark: OAuth2 client_credentials tokens per second from
// psif versus an oidc-provider baseline doing the same job (Basic auth, one
// audience, ES256 JWT). The goal is psif >= 2x the baseline.
//
//   node --import tsx bench/token.ts          (BENCH_DURATION=5 for a quick run)
//
// The servers run one after the other, never together: on a 2-core machine
// autocannon takes one core and the server under test gets the other.

import { randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { isMain, runMain } from './lib/entry.js';
import { cleanEnv, freePort, median, medianResult, parseJsonOutput, printTable, psifServerEnv, ratio, runLoad, serverCore, startServerProcess, type LoadResult, psifStartArgs } from './lib/load.js';
import { benchOptionsFromEnv, type BenchOptions } from './lib/options.js';

const execFileAsync = promisify(execFile);

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
const BASELINE_SCRIPT = fileURLToPath(new URL('./baselines/oidc-provider-server.ts', import.meta.url));
// Overridable so the harness can be pointed at another build (or a stub).
const PSIF_CLI = process.env.BENCH_PSIF_CLI ?? join(REPO_ROOT, 'dist', 'cli.js');
// Must match the resource server the baseline script accepts.
const BASELINE_AUDIENCE = 'https://api.example.test';
const WARMUP_SECONDS = 2;
const GOAL = 2;

export interface TokenBenchResult {
  durationSeconds: number;
  connections: number;
  baseline: LoadResult;
  /** null when dist/cli.js is missing (psif not built). */
  psif: LoadResult | null;
  /** psif tokens/s divided by baseline tokens/s, null without psif. */
  ratio: number | null;
  goal: number;
}

export async function benchToken(opts: BenchOptions): Promise<TokenBenchResult> {
  const rounds = roundsFromEnv();
  console.log(
    `token issuance: ${opts.connections} connections, ${rounds} alternating rounds of ${opts.durationSeconds} s per server (after a ${WARMUP_SECONDS} s warm-up); ` +
      (serverCore() ? 'servers pinned to core 1, load generator to core 0' : 'no CPU pinning (taskset missing)'),
  );
  const targets: Target[] = [await startBaseline()];
  if (existsSync(PSIF_CLI)) targets.push(await startPsif());
  else console.log(`psif: skipped, ${PSIF_CLI} not found (run \`npm run build\` first)`);

  const results = new Map<string, LoadResult[]>(targets.map((t) => [t.name, []]));
  try {
    for (const target of targets) await runLoad({ ...target.request, connections: opts.connections, durationSeconds: WARMUP_SECONDS });
    // Alternating short rounds, then medians: the baseline itself varies by 2x between runs on a shared
    // machine, and alternation exposes both servers to the same noise.
    for (let round = 1; round <= rounds; round++) {
      for (const target of targets) {
        const result = await runLoad({ ...target.request, connections: opts.connections, durationSeconds: opts.durationSeconds });
        results.get(target.name)!.push(result);
        console.log(`round ${round}: ${target.name.padEnd(13)} ${Math.round(result.rps)} tokens/s`);
      }
    }
  } finally {
    for (const target of targets) await target.stop();
  }

  const baselineRuns = results.get('oidc-provider')!;
  const psifRuns = results.get('psif');
  const ratios = psifRuns ? psifRuns.map((r, i) => r.rps / baselineRuns[i]!.rps) : [];
  const baseline = medianResult(baselineRuns);
  const psif = psifRuns ? medianResult(psifRuns) : null;
  const row = (server: string, r: LoadResult): Record<string, string | number> => ({
    server,
    'tokens/s': Math.round(r.rps),
    'p50 ms': r.p50,
    'p99 ms': r.p99,
    'non-2xx': r.non2xx,
    errors: r.errors,
  });
  console.log();
  printTable([row('oidc-provider', baseline), ...(psif ? [row('psif', psif)] : [])]);
  console.log();
  const medianRatio = ratios.length > 0 ? median(ratios) : null;
  console.log(
    `psif/baseline: ${medianRatio === null ? 'n/a' : `${medianRatio.toFixed(2)}x median of rounds (${ratios.map((r) => r.toFixed(2)).join(', ')})`} (goal >= ${GOAL}x)`,
  );

  return { durationSeconds: opts.durationSeconds, connections: opts.connections, baseline, psif, ratio: medianRatio, goal: GOAL };
}

interface Target {
  name: string;
  request: ReturnType<typeof tokenRequest>;
  stop(): Promise<void>;
}

function roundsFromEnv(): number {
  const raw = process.env.BENCH_ROUNDS;
  const rounds = raw === undefined || raw === '' ? 3 : Number(raw);
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`BENCH_ROUNDS must be a positive integer, got ${JSON.stringify(raw)}`);
  return rounds;
}


function basicAuth(id: string, secret: string): string {
  // RFC 6749 §2.3.1: form-encode each part before base64. Our generated
  // credentials are URL-safe, but encoding keeps this correct regardless.
  const enc = (s: string): string => encodeURIComponent(s).replace(/%20/g, '+');
  return `Basic ${Buffer.from(`${enc(id)}:${enc(secret)}`).toString('base64')}`;
}

function tokenRequest(url: string, id: string, secret: string, form: Record<string, string>) {
  return {
    url,
    method: 'POST',
    headers: {
      authorization: basicAuth(id, secret),
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams(form).toString(),
  };
}

async function startBaseline(): Promise<Target> {
  const port = await freePort();
  const clientId = 'bench';
  const clientSecret = randomBytes(24).toString('base64url');
  const server = await startServerProcess(
    process.execPath,
    ['--import', 'tsx', BASELINE_SCRIPT],
    { PORT: String(port), CLIENT_ID: clientId, CLIENT_SECRET: clientSecret },
    /^READY \d+$/m,
    { cwd: REPO_ROOT },
  );
  return {
    name: 'oidc-provider',
    request: tokenRequest(`http://127.0.0.1:${port}/token`, clientId, clientSecret, {
      grant_type: 'client_credentials',
      resource: BASELINE_AUDIENCE,
      scope: 'read',
    }),
    stop: () => server.stop(),
  };
}


async function startPsif(): Promise<Target> {
  const dataDir = await mkdtemp(join(tmpdir(), 'psif-bench-'));
  try {
    const port = await freePort();
    const publicUrl = `http://127.0.0.1:${port}`;
    const env = psifServerEnv(dataDir, port);
    const baseEnv = cleanEnv();

    const { clientId, clientSecret } = await createPsifClient({ ...baseEnv, ...env });

    const server = await startServerProcess(process.execPath, psifStartArgs(REPO_ROOT, PSIF_CLI), env, /listening/i, {
      cwd: REPO_ROOT,
      baseEnv,
      readyUrl: `${publicUrl}/readyz`,
    });
    return {
      name: 'psif',
      request: tokenRequest(`${publicUrl}/oauth2/token`, clientId, clientSecret, { grant_type: 'client_credentials', audience: publicUrl }),
      async stop() {
        await server.stop();
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
}

async function createPsifClient(env: NodeJS.ProcessEnv): Promise<{ clientId: string; clientSecret: string }> {
  const args = [PSIF_CLI, 'clients', 'create', '--kind', 'vendor', '--name', 'bench', '--json'];
  const { stdout } = await execFileAsync(process.execPath, args, { env, cwd: REPO_ROOT, timeout: 30_000 });
  const parsed = parseJsonOutput(stdout);
  const clientId = parsed?.client_id;
  const clientSecret = parsed?.client_secret;
  if (typeof clientId !== 'string' || typeof clientSecret !== 'string') {
    throw new Error(`psif clients create --json printed no client_id/client_secret:\n${stdout}`);
  }
  return { clientId, clientSecret };
}

if (isMain(import.meta.url)) {
  runMain(() => benchToken(benchOptionsFromEnv()));
}
