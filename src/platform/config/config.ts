import { readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Server configuration, read once at start from the environment (and optionally a JSON file named by
 * PSIF_CONFIG whose keys are the same variable names). The environment wins over the file, so a
 * container can override one value of a shared file.
 */
export interface Config {
  port: number;
  host: string;
  publicUrl: string;
  apiAudience: string;
  dataDir: string;
  databaseUrl: string | undefined;
  databaseSchema: string | undefined;
  logLevel: LogLevel;
  auth: AuthConfig;
  shutdownTimeoutMs: number;
  trustProxy: boolean;
  cloudsync: CloudSyncConfig;
  /** Admin tokens may read the Raw API (for operators' support work); off by default. */
  rawAdminAccess: boolean;
  /** all: API and sync worker; api: HTTP APIs only; worker: sync worker (plus /healthz, /readyz, /metrics). */
  role: Role;
  sync: SyncConfig;
  billing: BillingConfig;
}

/** The Billing API: its clock, payment collection and webhook delivery (docs/billing.md). */
export interface BillingConfig {
  /** How often a worker's billing clock looks for due renewals, trial ends and payment retries. */
  clockIntervalMs: number;
  /** Subscriptions one clock transaction handles. */
  clockBatchSize: number;
  /** Seconds after the first failed payment at which collection is retried; after the last, the subscription is cancelled. */
  dunningScheduleSeconds: number[];
  /** The payment gateway of live data: `none` (paid plans cannot be bought live) or `sandbox` (staging only). */
  liveGateway: 'none' | 'sandbox';
  /** Seconds after a failed webhook delivery at which it is retried; after the last, the delivery is failed. */
  webhookRetrySeconds: number[];
  webhookTimeoutMs: number;
  /** Webhook deliveries one worker sends at once. */
  webhookConcurrency: number;
  /** How often an idle webhook dispatcher looks for due deliveries. */
  webhookPollMs: number;
  /** Finished deliveries (and their events and attempts) older than this many days are deleted. */
  webhookHistoryDays: number;
}

export const ROLES = ['all', 'api', 'worker'] as const;
export type Role = (typeof ROLES)[number];

/** The orchestrator: how psif pulls shops (docs/sync.md). */
export interface SyncConfig {
  /** Pulls one worker process runs at once. */
  concurrency: number;
  /** Pulls of one shop running at once, across every worker process. */
  shopConcurrency: number;
  /** Objects asked per call at the first sync of a content; then the learned size. */
  pageSize: number;
  maxPageSize: number;
  /** The page size grows while calls are faster than a quarter of this, and shrinks when slower. */
  targetPageMs: number;
  requestTimeoutMs: number;
  /** Consecutive failed calls after which a pull is given up (the next scheduled one starts over). */
  maxAttempts: number;
  retryBaseMs: number;
  retryMaxMs: number;
  /** A running pull's lease; a worker that dies loses its pulls to others when it expires. */
  leaseMs: number;
  /** How often an idle worker looks for due pulls and live-sync notifications. */
  pollMs: number;
  /** How often a worker re-plans every shop against its consents (consent changes are planned at once). */
  planIntervalMs: number;
  incrementalIntervalSeconds: number;
  fullIntervalSeconds: number;
  healthIntervalSeconds: number;
}

export interface CloudSyncConfig {
  /** Largest upload body accepted (bytes); larger ones get 413. */
  uploadMaxBytes: number;
  /** Largest single NDJSON line (bytes). */
  uploadMaxLineBytes: number;
  /** Upload body bytes kept in memory before the rest is spooled to disk. */
  uploadMemoryBytes: number;
  /** Lifetime of a new sync job (seconds). */
  jobTtlSeconds: number;
  /** A live-sync notification is served by a pull at most this long after it arrives (ms). */
  liveSyncDebounceMs: number;
  /** Upload log entries and expired jobs older than this many days are deleted. */
  historyDays: number;
}

export interface AuthConfig {
  accessTokenTtlSeconds: number;
  signingAlg: SigningAlg;
  audienceMatching: 'exact' | 'prefix';
  clockLeewaySeconds: number;
  /** How long a process may trust its cached view of client status and revocations (ms). */
  stateCacheMs: number;
  /** Requests per minute on the /oauth2/* POST endpoints; 0 disables. */
  rateLimitPerIp: number;
  rateLimitPerClient: number;
  /** Master secret (32+ bytes); unset: generated into <dataDir>/secret.key on first start. */
  secretKey: string | undefined;
  /** Grace period after a secret rotation during which the previous secret still works. */
  secretRotationGraceSeconds: number;
  /** Other issuers whose tokens identify shops (e.g. PrestaShop Accounts), each with its JWKS URL. */
  externalShopIssuers: ExternalIssuer[];
  /** Testing only: accept shop tokens whose signature cannot be checked (ps_accounts_mock's expired token). */
  insecureShopTokens: boolean;
}

export interface ExternalIssuer {
  issuer: string;
  jwksUri: string;
}

export type SigningAlg = 'ES256' | 'RS256';
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The documented variables: the README's configuration table is checked against this list in the tests. */
export const CONFIG_VARIABLES = {
  PSIF_CONFIG: 'Path of an optional JSON file whose keys are these variable names.',
  PSIF_PORT: 'TCP port to listen on (default 8080).',
  PSIF_HOST: 'Interface to bind (default 127.0.0.1; use 0.0.0.0 in containers).',
  PSIF_PUBLIC_URL: 'Public base URL: the token issuer and the base of absolute links (default http://localhost:<port>).',
  PSIF_API_AUDIENCE: 'Audience vendor tokens must carry for the CloudSync APIs (default: the public URL).',
  PSIF_DATA_DIR: 'Directory for the SQLite database and the generated master secret (default ./data).',
  DATABASE_URL: 'Unset: SQLite in the data dir. postgres://user@host:port/db: PostgreSQL.',
  PSIF_DATABASE_SCHEMA: 'PostgreSQL schema for psif tables, created if missing (default: the server default, public).',
  LOG_LEVEL: 'fatal, error, warn, info (default), debug, trace or silent.',
  PSIF_TOKEN_TTL: 'Access token lifetime in seconds (default 3600).',
  PSIF_SIGNING_ALG: 'ES256 (default) or RS256, for newly generated signing keys.',
  PSIF_AUDIENCE_MATCHING: "exact (default) or prefix (Ory Hydra's URL-prefix rule).",
  PSIF_CLOCK_LEEWAY: 'Seconds of clock skew tolerated on exp/nbf (default 30).',
  PSIF_AUTH_CACHE_MS: 'How long another process may take to see a revocation or a disabled client (default 1000).',
  PSIF_RATE_LIMIT_TOKEN_PER_IP: 'Requests per minute per IP on /oauth2/token, /oauth2/introspect and /oauth2/revoke (default 300; 0 disables).',
  PSIF_RATE_LIMIT_TOKEN_PER_CLIENT: 'Requests per minute per claimed client_id on the same endpoints, counted before authentication (default 60; 0 disables).',
  PSIF_SECRET_KEY: 'Master secret, 64 hex characters; every process sharing a database needs the same one.',
  PSIF_SECRET_GRACE: 'Seconds a rotated client secret keeps working (default 86400).',
  PSIF_SHOP_TOKEN_ISSUERS: 'Trusted external issuers of shop tokens, space-separated issuer|jwks_url pairs (e.g. https://oauth.prestashop.com|https://oauth.prestashop.com/.well-known/jwks.json).',
  PSIF_SHOP_TOKEN_INSECURE: 'TESTING ONLY. true: shop-facing routes accept shop tokens without checking signature or expiry (such as the expired token of ps_accounts_mock), identifying the shop by its store/<uuid> audience or UUID sub. Logged loudly at start and on each use (default false).',
  PSIF_UPLOAD_MAX_BYTES: 'Largest collector upload body in bytes; larger ones get 413 (default 268435456, 256 MiB).',
  PSIF_UPLOAD_MAX_LINE_BYTES: 'Largest single NDJSON line of an upload in bytes (default 8388608, 8 MiB).',
  PSIF_UPLOAD_MEMORY_BYTES: 'Bytes of an upload body kept in memory; the rest is spooled to <data dir>/spool until the upload is stored (default 8388608, 8 MiB).',
  PSIF_JOB_TTL: 'Lifetime of a sync job in seconds (default 86400).',
  PSIF_LIVE_SYNC_DEBOUNCE_MS: 'Live-sync notifications of a shop content within this many ms are served by one incremental pull (default 10000).',
  PSIF_RAW_ADMIN_ACCESS: 'true lets admin tokens read every shop through the Raw API, whatever the consents (default false: vendors only).',
  PSIF_SYNC_HISTORY_DAYS: 'Days the upload log, expired sync jobs, finished pulls and their error records are kept, for the Reporting API (default 90).',
  PSIF_ROLE: 'all (default): APIs and sync worker in one process; api: HTTP APIs only; worker: the sync worker only (with /healthz, /readyz and /metrics). `psif start --role` overrides it.',
  PSIF_SYNC_CONCURRENCY: 'Shop pulls one worker process runs at once (default 4).',
  PSIF_SYNC_SHOP_CONCURRENCY: 'Pulls of one shop running at once across all worker processes (default 2).',
  PSIF_SYNC_PAGE_SIZE: 'Objects asked per apiShopContent call at the first sync of a content; later syncs start from the learned size (default 500).',
  PSIF_SYNC_MAX_PAGE_SIZE: 'Largest page the adaptive page size may reach (default 5000).',
  PSIF_SYNC_TARGET_PAGE_MS: 'Target duration of one apiShopContent call: the page size doubles while calls take under a quarter of it and halves above it (default 5000).',
  PSIF_SYNC_REQUEST_TIMEOUT_MS: 'Timeout of one call to a shop, upload included (default 120000).',
  PSIF_SYNC_MAX_ATTEMPTS: 'Consecutive failed calls after which a pull is given up (default 8).',
  PSIF_SYNC_RETRY_BASE_MS: 'First retry delay; it doubles at each failure, with jitter (default 1000).',
  PSIF_SYNC_RETRY_MAX_MS: 'Longest retry delay (default 300000).',
  PSIF_SYNC_LEASE_MS: 'Lease of a running pull: when a worker dies, its pulls are taken over once the lease expires (default 30000).',
  PSIF_SYNC_POLL_MS: 'How often a worker looks for due pulls and live-sync notifications (default 1000).',
  PSIF_SYNC_PLAN_INTERVAL_MS: 'How often a worker re-plans every shop against its consents; consent changes are planned within PSIF_SYNC_POLL_MS (default 60000).',
  PSIF_SYNC_INCREMENTAL_INTERVAL: 'Seconds between scheduled incremental pulls of each synced content, besides live-sync notifications (default 300, the module\'s notification debounce).',
  PSIF_SYNC_FULL_INTERVAL: 'Seconds between full re-syncs of each content, followed by reconciliation (default 604800, a week).',
  PSIF_BILLING_CLOCK_INTERVAL_MS: 'How often the billing clock looks for due renewals, trial ends, scheduled changes and payment retries (default 10000).',
  PSIF_BILLING_CLOCK_BATCH: 'Subscriptions the billing clock handles per transaction (default 200).',
  PSIF_BILLING_DUNNING_SCHEDULE: 'Comma-separated seconds after the first failed payment at which collection is retried; after the last failure the subscription is cancelled (default 86400,259200,604800: 1, 3 and 7 days).',
  PSIF_BILLING_LIVE_GATEWAY: 'Payment gateway of live billing data: none (default; only free plans and trials can be bought live) or sandbox (staging only: test cards in live data).',
  PSIF_WEBHOOK_RETRY_SCHEDULE: 'Comma-separated seconds after a failed webhook delivery at which it is retried (default the Svix schedule 5,300,1800,7200,18000,36000,36000); after the last failure the delivery is marked failed and can be replayed.',
  PSIF_WEBHOOK_TIMEOUT_MS: 'Time a webhook receiver has to answer (default 15000).',
  PSIF_WEBHOOK_CONCURRENCY: 'Webhook deliveries one worker sends at once (default 16).',
  PSIF_WEBHOOK_POLL_MS: 'How often an idle webhook dispatcher looks for due deliveries (default 500).',
  PSIF_WEBHOOK_HISTORY_DAYS: 'Days the webhook delivery log keeps finished deliveries, their attempts and events (default 30); pending ones are never deleted.',
  PSIF_SYNC_HEALTH_INTERVAL: "Seconds between apiHealthCheck probes of each shop with consents (default 900).",
  PSIF_SHUTDOWN_TIMEOUT: 'Milliseconds to drain in-flight requests on SIGTERM (default 10000).',
  PSIF_TRUST_PROXY: 'true to take the client IP from X-Forwarded-For (behind a reverse proxy).',
} as const;

type Variable = keyof typeof CONFIG_VARIABLES;

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
    this.name = 'ConfigError';
  }
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const source = withConfigFile(env);
  const read = (name: Variable): string | undefined => {
    const value = source[name];
    return value === undefined || value === '' ? undefined : value;
  };

  const port = integer('PSIF_PORT', read('PSIF_PORT'), 8080, 0, 65535);
  const publicUrl = baseUrl('PSIF_PUBLIC_URL', read('PSIF_PUBLIC_URL') ?? `http://localhost:${port}`);
  return {
    port,
    host: read('PSIF_HOST') ?? '127.0.0.1',
    publicUrl,
    apiAudience: read('PSIF_API_AUDIENCE') ?? publicUrl,
    dataDir: path.resolve(read('PSIF_DATA_DIR') ?? './data'),
    databaseUrl: databaseUrl(read('DATABASE_URL')),
    databaseSchema: identifier('PSIF_DATABASE_SCHEMA', read('PSIF_DATABASE_SCHEMA')),
    logLevel: oneOf('LOG_LEVEL', read('LOG_LEVEL'), LOG_LEVELS, 'info'),
    shutdownTimeoutMs: integer('PSIF_SHUTDOWN_TIMEOUT', read('PSIF_SHUTDOWN_TIMEOUT'), 10_000, 0, 600_000),
    trustProxy: boolean('PSIF_TRUST_PROXY', read('PSIF_TRUST_PROXY'), false),
    rawAdminAccess: boolean('PSIF_RAW_ADMIN_ACCESS', read('PSIF_RAW_ADMIN_ACCESS'), false),
    role: oneOf('PSIF_ROLE', read('PSIF_ROLE'), ROLES, 'all'),
    sync: syncConfig(read),
    billing: billingConfig(read),
    auth: {
      accessTokenTtlSeconds: integer('PSIF_TOKEN_TTL', read('PSIF_TOKEN_TTL'), 3600, 1, 86_400 * 30),
      signingAlg: oneOf('PSIF_SIGNING_ALG', read('PSIF_SIGNING_ALG'), ['ES256', 'RS256'] as const, 'ES256'),
      audienceMatching: oneOf('PSIF_AUDIENCE_MATCHING', read('PSIF_AUDIENCE_MATCHING'), ['exact', 'prefix'] as const, 'exact'),
      clockLeewaySeconds: integer('PSIF_CLOCK_LEEWAY', read('PSIF_CLOCK_LEEWAY'), 30, 0, 3600),
      stateCacheMs: integer('PSIF_AUTH_CACHE_MS', read('PSIF_AUTH_CACHE_MS'), 1000, 0, 60_000),
      rateLimitPerIp: integer('PSIF_RATE_LIMIT_TOKEN_PER_IP', read('PSIF_RATE_LIMIT_TOKEN_PER_IP'), 300, 0, 10_000_000),
      rateLimitPerClient: integer('PSIF_RATE_LIMIT_TOKEN_PER_CLIENT', read('PSIF_RATE_LIMIT_TOKEN_PER_CLIENT'), 60, 0, 10_000_000),
      secretKey: secretKey(read('PSIF_SECRET_KEY')),
      secretRotationGraceSeconds: integer('PSIF_SECRET_GRACE', read('PSIF_SECRET_GRACE'), 86_400, 0, 86_400 * 365),
      externalShopIssuers: externalIssuers('PSIF_SHOP_TOKEN_ISSUERS', read('PSIF_SHOP_TOKEN_ISSUERS'), publicUrl),
      insecureShopTokens: boolean('PSIF_SHOP_TOKEN_INSECURE', read('PSIF_SHOP_TOKEN_INSECURE'), false),
    },
    cloudsync: {
      uploadMaxBytes: integer('PSIF_UPLOAD_MAX_BYTES', read('PSIF_UPLOAD_MAX_BYTES'), 256 * 1024 * 1024, 1024, 64 * 1024 ** 3),
      uploadMaxLineBytes: integer('PSIF_UPLOAD_MAX_LINE_BYTES', read('PSIF_UPLOAD_MAX_LINE_BYTES'), 8 * 1024 * 1024, 1024, 1024 ** 3),
      uploadMemoryBytes: integer('PSIF_UPLOAD_MEMORY_BYTES', read('PSIF_UPLOAD_MEMORY_BYTES'), 8 * 1024 * 1024, 0, 1024 ** 3),
      jobTtlSeconds: integer('PSIF_JOB_TTL', read('PSIF_JOB_TTL'), 86_400, 1, 86_400 * 365),
      liveSyncDebounceMs: integer('PSIF_LIVE_SYNC_DEBOUNCE_MS', read('PSIF_LIVE_SYNC_DEBOUNCE_MS'), 10_000, 0, 86_400_000),
      historyDays: integer('PSIF_SYNC_HISTORY_DAYS', read('PSIF_SYNC_HISTORY_DAYS'), 90, 1, 3650),
    },
  };
}

function syncConfig(read: (name: Variable) => string | undefined): SyncConfig {
  const int = (name: Variable, fallback: number, min: number, max: number) => integer(name, read(name), fallback, min, max);
  const pageSize = int('PSIF_SYNC_PAGE_SIZE', 500, 1, 100_000);
  const maxPageSize = int('PSIF_SYNC_MAX_PAGE_SIZE', 5000, 1, 100_000);
  if (pageSize > maxPageSize) throw new ConfigError('PSIF_SYNC_PAGE_SIZE', `must not exceed PSIF_SYNC_MAX_PAGE_SIZE (${maxPageSize})`);
  const retryBaseMs = int('PSIF_SYNC_RETRY_BASE_MS', 1000, 1, 3_600_000);
  const retryMaxMs = int('PSIF_SYNC_RETRY_MAX_MS', 300_000, 1, 86_400_000);
  if (retryBaseMs > retryMaxMs) throw new ConfigError('PSIF_SYNC_RETRY_BASE_MS', `must not exceed PSIF_SYNC_RETRY_MAX_MS (${retryMaxMs})`);
  return {
    concurrency: int('PSIF_SYNC_CONCURRENCY', 4, 1, 1000),
    shopConcurrency: int('PSIF_SYNC_SHOP_CONCURRENCY', 2, 1, 100),
    pageSize,
    maxPageSize,
    targetPageMs: int('PSIF_SYNC_TARGET_PAGE_MS', 5000, 10, 3_600_000),
    requestTimeoutMs: int('PSIF_SYNC_REQUEST_TIMEOUT_MS', 120_000, 100, 3_600_000),
    maxAttempts: int('PSIF_SYNC_MAX_ATTEMPTS', 8, 1, 1000),
    retryBaseMs,
    retryMaxMs,
    leaseMs: int('PSIF_SYNC_LEASE_MS', 30_000, 300, 3_600_000),
    pollMs: int('PSIF_SYNC_POLL_MS', 1000, 10, 600_000),
    planIntervalMs: int('PSIF_SYNC_PLAN_INTERVAL_MS', 60_000, 100, 86_400_000),
    incrementalIntervalSeconds: int('PSIF_SYNC_INCREMENTAL_INTERVAL', 300, 1, 86_400 * 30),
    fullIntervalSeconds: int('PSIF_SYNC_FULL_INTERVAL', 604_800, 60, 86_400 * 365),
    healthIntervalSeconds: int('PSIF_SYNC_HEALTH_INTERVAL', 900, 10, 86_400 * 30),
  };
}

function billingConfig(read: (name: Variable) => string | undefined): BillingConfig {
  const int = (name: Variable, fallback: number, min: number, max: number) => integer(name, read(name), fallback, min, max);
  return {
    clockIntervalMs: int('PSIF_BILLING_CLOCK_INTERVAL_MS', 10_000, 10, 86_400_000),
    clockBatchSize: int('PSIF_BILLING_CLOCK_BATCH', 200, 1, 100_000),
    dunningScheduleSeconds: seconds('PSIF_BILLING_DUNNING_SCHEDULE', read('PSIF_BILLING_DUNNING_SCHEDULE'), [86_400, 259_200, 604_800]),
    liveGateway: oneOf('PSIF_BILLING_LIVE_GATEWAY', read('PSIF_BILLING_LIVE_GATEWAY'), ['none', 'sandbox'] as const, 'none'),
    webhookRetrySeconds: seconds('PSIF_WEBHOOK_RETRY_SCHEDULE', read('PSIF_WEBHOOK_RETRY_SCHEDULE'), [5, 300, 1800, 7200, 18_000, 36_000, 36_000]),
    webhookTimeoutMs: int('PSIF_WEBHOOK_TIMEOUT_MS', 15_000, 10, 600_000),
    webhookConcurrency: int('PSIF_WEBHOOK_CONCURRENCY', 16, 1, 1000),
    webhookPollMs: int('PSIF_WEBHOOK_POLL_MS', 500, 10, 600_000),
    webhookHistoryDays: int('PSIF_WEBHOOK_HISTORY_DAYS', 30, 1, 3650),
  };
}

/** A comma-separated list of non-negative seconds (fractions allowed), increasing, 0 to 50 items. */
function seconds(name: string, raw: string | undefined, fallback: number[]): number[] {
  if (raw === undefined) return fallback;
  const items = raw.split(',').map((item) => item.trim()).filter((item) => item !== '');
  const values = items.map(Number);
  if (items.length > 50 || values.some((value) => !Number.isFinite(value) || value < 0 || value > 86_400 * 365)) {
    throw new ConfigError(name, `must be a comma-separated list of at most 50 durations in seconds (0 to 31536000), got "${raw}"`);
  }
  if (values.some((value, i) => i > 0 && value < values[i - 1]!)) throw new ConfigError(name, `durations must not decrease, got "${raw}"`);
  return values;
}

function withConfigFile(env: NodeJS.ProcessEnv): Record<string, string | undefined> {
  const file = env.PSIF_CONFIG;
  if (!file) return env;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ConfigError('PSIF_CONFIG', `cannot read ${file}: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError('PSIF_CONFIG', `${file} must hold a JSON object of variable names to values`);
  }
  const fromFile: Record<string, string> = {};
  for (const [key, value] of Object.entries(parsed)) {
    if (!(key in CONFIG_VARIABLES)) throw new ConfigError('PSIF_CONFIG', `${file}: unknown variable ${key}`);
    if (!['string', 'number', 'boolean'].includes(typeof value)) {
      throw new ConfigError(key, `value in ${file} must be a string, number or boolean`);
    }
    fromFile[key] = String(value);
  }
  return { ...fromFile, ...env };
}

function integer(name: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(name, `must be an integer, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${value}`);
  return value;
}

function boolean(name: string, raw: string | undefined, fallback: boolean): boolean {
  if (raw === undefined) return fallback;
  if (['true', '1', 'yes'].includes(raw)) return true;
  if (['false', '0', 'no'].includes(raw)) return false;
  throw new ConfigError(name, `must be true or false, got "${raw}"`);
}

function oneOf<T extends string>(name: string, raw: string | undefined, allowed: readonly T[], fallback: T): T {
  if (raw === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new ConfigError(name, `must be one of ${allowed.join(', ')}, got "${raw}"`);
  }
  return raw as T;
}

/** The issuer must be compared byte for byte by resource servers (RFC 9068 §4), so normalise it once here. */
function baseUrl(name: string, raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(name, `must be an absolute URL, got "${raw}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConfigError(name, 'must use http or https');
  if (url.search || url.hash) throw new ConfigError(name, 'must not have a query string or fragment');
  return url.href.replace(/\/+$/, '');
}

function databaseUrl(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  if (!/^postgres(ql)?:\/\//.test(raw)) {
    throw new ConfigError('DATABASE_URL', 'must be a postgres:// or postgresql:// URL (unset it to use SQLite)');
  }
  try {
    new URL(raw);
  } catch {
    throw new ConfigError('DATABASE_URL', 'is not a valid URL');
  }
  return raw;
}

function identifier(name: string, raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(raw)) throw new ConfigError(name, 'must be a lower-case SQL identifier (a-z, 0-9, _)');
  return raw;
}

function externalIssuers(name: string, raw: string | undefined, ownIssuer: string): ExternalIssuer[] {
  if (raw === undefined) return [];
  return raw.split(/\s+/).filter(Boolean).map((entry) => {
    const [issuer, jwksUri, extra] = entry.split('|');
    if (!issuer || !jwksUri || extra !== undefined) throw new ConfigError(name, `"${entry}" must be issuer|jwks_url`);
    if (issuer === ownIssuer) throw new ConfigError(name, 'psif itself is always trusted; list only other issuers');
    const url = baseUrl(name, jwksUri);
    if (!url.startsWith('https://') && !/^http:\/\/(127\.0\.0\.1|localhost|\[::1\])[:/]/.test(url)) {
      throw new ConfigError(name, `the JWKS URL of ${issuer} must use https (plain http only on loopback)`);
    }
    return { issuer, jwksUri: url };
  });
}

function secretKey(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  if (!/^[0-9a-fA-F]{64,}$/.test(raw)) throw new ConfigError('PSIF_SECRET_KEY', 'must be at least 64 hexadecimal characters (32 bytes)');
  return raw.toLowerCase();
}
