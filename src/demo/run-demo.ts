import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type Core, type Server, buildServer, openCore } from '../app.js';
import { type LogLevel, loadConfig } from '../platform/config/config.js';
import { curlExamples } from './curl-examples.js';
import { type Progress, silentProgress } from './progress.js';
import { type DemoSeed, seedDemo } from './seed.js';

export interface DemoOptions {
  /** SQLite data directory; a fresh temporary one (removed on stop) when omitted. */
  dataDir?: string;
  /** 0: any free port. */
  port: number;
  host: string;
  shops: number;
  products: number;
  logLevel: LogLevel;
  progress?: Progress;
  /** Aborting while the demo starts (Ctrl+C during the seeding) stops what was started and rejects. */
  signal?: AbortSignal;
  /** Told the data directory as soon as it exists, before the seeding. */
  onDataDir?: (dataDir: string) => void;
}

/** The rejection of a start aborted through `signal`. */
export class DemoAborted extends Error {
  override name = 'DemoAborted';
}

export interface RunningDemo {
  publicUrl: string;
  dataDir: string;
  temporaryDataDir: boolean;
  admin: { clientId: string; clientSecret: string };
  seed: DemoSeed;
  /** Stops the simulated shops, then the server (draining requests), then removes a temporary data dir. */
  stop(): Promise<void>;
}

/**
 * A psif with everything in one process (APIs and sync worker) on embedded SQLite, seeded through its own
 * HTTP APIs. Only the configuration given here counts, not the environment: a demo must never seed the
 * database a DATABASE_URL of the shell points at.
 */
export async function startDemo(options: DemoOptions): Promise<RunningDemo> {
  const temporaryDataDir = options.dataDir === undefined;
  const dataDir = options.dataDir ? path.resolve(options.dataDir) : mkdtempSync(path.join(tmpdir(), 'psif-demo-'));
  options.onDataDir?.(dataDir);
  // The public URL (token issuer and audience) must name the real port before the server starts.
  const port = options.port === 0 ? await freePort(options.host) : options.port;
  const urlHost = options.host === '0.0.0.0' || options.host === '::' ? '127.0.0.1' : options.host;
  const publicUrl = `http://${urlHost.includes(':') ? `[${urlHost}]` : urlHost}:${port}`;
  const config = loadConfig({
    PSIF_DATA_DIR: dataDir,
    PSIF_PORT: String(port),
    PSIF_HOST: options.host,
    PSIF_PUBLIC_URL: publicUrl,
    PSIF_ROLE: 'all',
    LOG_LEVEL: options.logLevel,
    // Billing in live data, as a console shows it by default, paid with the sandbox gateway's test cards:
    // the staging setting, right for a local demo and nothing else.
    PSIF_BILLING_LIVE_GATEWAY: 'sandbox',
  });
  let core: Core | undefined;
  let server: Server | undefined;
  let seed: DemoSeed | undefined;
  let stopped: Promise<void> | undefined;
  // Once only: an abort and the failure it causes in the seeding both come here.
  const cleanup = () => {
    stopped ??= (async () => {
      await seed?.close();
      if (server) await server.close();
      else await core?.close();
      if (temporaryDataDir) rmSync(dataDir, { recursive: true, force: true });
    })();
    return stopped;
  };
  const { signal } = options;
  const aborted = new Promise<never>((_resolve, reject) => {
    const abort = () => reject(new DemoAborted('the demo was stopped while it started'));
    if (signal?.aborted) abort();
    else signal?.addEventListener('abort', abort, { once: true });
  });
  aborted.catch(() => undefined);
  try {
    core = await openCore(config);
    const { total } = await core.auth.clients.list({ limit: 1 });
    if (total > 0) throw new Error(`${dataDir} already holds a psif (it has clients): give an empty --data-dir, or none for a temporary one`);
    server = await buildServer(core);
    await server.app.listen({ port, host: options.host });
    // The first admin client cannot come from the API (nothing could call it yet): as `psif clients create`.
    const created = await core.auth.clients.create({ kind: 'admin', name: 'demo-admin' });
    const admin = { clientId: created.client.clientId, clientSecret: created.clientSecret };
    const seeding = seedDemo({ baseUrl: publicUrl, admin, shops: options.shops, products: options.products, billing: 'live', progress: options.progress ?? silentProgress, ...(signal ? { signal } : {}) });
    // An abort stops the shops the seed has started through the seed's own clean-up, once it fails.
    seeding.then((done) => (seed = done), () => undefined);
    seed = await Promise.race([seeding, aborted]);
    return { publicUrl, dataDir, temporaryDataDir, admin, seed, stop: cleanup };
  } catch (error) {
    await cleanup().catch(() => undefined);
    throw error;
  }
}

function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, host, () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no free port'))));
    });
  });
}

/** What the demo prints once ready: where to click, whom to be, what to paste. */
export function demoSummary(demo: RunningDemo): string {
  const { publicUrl, seed } = demo;
  const vendor = seed.vendors[0]!;
  const lines = [
    '',
    'psif demo is ready.',
    '',
    `  Console:   ${publicUrl}/console`,
    `  API docs:  ${publicUrl}/docs`,
    `  Data:      ${demo.dataDir} (SQLite${demo.temporaryDataDir ? ', removed when the demo stops' : ''})`,
    '',
    'Credentials (a local demo: its secrets are printed on purpose; never do this with a real psif):',
    `  admin client          id ${demo.admin.clientId}  secret ${demo.admin.clientSecret}`,
    `  vendor "${vendor.name}"`.padEnd(24) + `id ${vendor.clientId}  secret ${vendor.clientSecret}`,
    `  modules               ${seed.vendors.flatMap((v) => v.modules.map((m) => `${m} (${v.name})`)).join(', ')}`,
    `  operator CLI          PSIF_DATA_DIR=${demo.dataDir} npx psif clients list   (while the demo runs)`,
    '',
    `Shops (simulated PrestaShop shops, pulled by psif):`,
    ...seed.shops.map((s) => `  ${s.shopId}  ${s.country}  ${s.url}  vendors: ${s.vendors.join(', ')}${s.revokedModules.length ? `  (revoked: ${s.revokedModules.join(', ')})` : ''}`),
    ...(seed.unsynced.length > 0 ? ['', `  Still syncing: ${seed.unsynced.join(', ')}`] : []),
    '',
    `Subscriptions (${seed.billing === 'live' ? 'live data, paid with the sandbox gateway\'s test cards' : 'sandbox data'}): ${seed.subscriptions.map((s) => `${s.vendor}/${s.status}`).join(', ')}`,
    '',
    'Try it (bash):',
    ...curlExamples(publicUrl, seed).flatMap((example) => [`  # ${example.comment}`, `  ${example.command}`]),
    '',
    'Press Ctrl+C to stop.',
    '',
  ];
  return lines.join('\n');
}
