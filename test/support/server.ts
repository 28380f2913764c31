import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { type Server, buildServer, openCore } from '../../src/app.js';
import type { ClientKind } from '../../src/auth/model.js';
import { loadConfig } from '../../src/platform/config/config.js';
import { TEST_DATABASE_URL, testBackend } from './backend.js';

export interface TestServer {
  url: string;
  server: Server;
  env: Record<string, string>;
  createClient(input: { kind: ClientKind; name?: string; shopId?: string; scopes?: string[]; audiences?: string[]; tokenEndpointAuthMethod?: 'client_secret_basic' | 'client_secret_post'; accessTokenTtl?: number; grantTypes?: string[] }): Promise<{ clientId: string; clientSecret: string }>;
  /** A token from the real token endpoint (Basic auth unless the client is registered for post). */
  token(client: { clientId: string; clientSecret: string }, params?: Record<string, string>): Promise<string>;
  close(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * The environment of an isolated psif: its own data dir, and on PostgreSQL its own schema, so test files
 * run in parallel without seeing each other. Rate limits are off unless a test sets them.
 */
export async function isolatedEnv(overrides: Record<string, string> = {}): Promise<{ env: Record<string, string>; cleanup: () => Promise<void> }> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'psif-test-'));
  const port = await freePort();
  const env: Record<string, string> = {
    PSIF_DATA_DIR: dataDir,
    PSIF_PORT: String(port),
    PSIF_HOST: '127.0.0.1',
    PSIF_PUBLIC_URL: `http://127.0.0.1:${port}`,
    LOG_LEVEL: 'silent',
    PSIF_RATE_LIMIT_TOKEN_PER_IP: '0',
    PSIF_RATE_LIMIT_TOKEN_PER_CLIENT: '0',
    // No sync worker unless a test asks for one (PSIF_ROLE=all): most tests register shops nobody can reach.
    PSIF_ROLE: 'api',
  };
  let schema: string | undefined;
  if (testBackend() === 'postgres') {
    schema = `t_${randomBytes(6).toString('hex')}`;
    env.DATABASE_URL = TEST_DATABASE_URL;
    env.PSIF_DATABASE_SCHEMA = schema;
  }
  return {
    env: { ...env, ...overrides },
    async cleanup() {
      rmSync(dataDir, { recursive: true, force: true });
      if (schema) await dropSchema(schema);
    },
  };
}

async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    await client.query(`drop schema if exists "${schema}" cascade`);
  } finally {
    await client.end();
  }
}

export async function startTestServer(overrides: Record<string, string> = {}): Promise<TestServer> {
  const { env, cleanup } = await isolatedEnv(overrides);
  const config = loadConfig(env);
  const core = await openCore(config);
  const server = await buildServer(core);
  await server.app.listen({ port: config.port, host: config.host });
  const url = config.publicUrl;
  return {
    url,
    server,
    env,
    async createClient(input) {
      const created = await core.auth.clients.create(input);
      return { clientId: created.client.clientId, clientSecret: created.clientSecret };
    },
    async token(client, params = {}) {
      const record = await core.auth.clients.get(client.clientId);
      const body = new URLSearchParams({ grant_type: 'client_credentials', ...params });
      const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
      if (record.tokenEndpointAuthMethod === 'client_secret_post') {
        body.set('client_id', client.clientId);
        body.set('client_secret', client.clientSecret);
      } else {
        headers.authorization = basic(client.clientId, client.clientSecret);
      }
      const response = await fetch(`${url}/oauth2/token`, { method: 'POST', headers, body });
      const json = (await response.json()) as { access_token?: string };
      if (response.status !== 200 || !json.access_token) throw new Error(`token request failed: ${response.status} ${JSON.stringify(json)}`);
      return json.access_token;
    },
    async close() {
      await server.close();
      await cleanup();
    },
  };
}

/** RFC 6749 §2.3.1: each part form-encoded, then Basic. */
export function basic(id: string, secret: string): string {
  const encode = (value: string) => encodeURIComponent(value).replace(/%20/g, '+');
  return `Basic ${Buffer.from(`${encode(id)}:${encode(secret)}`).toString('base64')}`;
}

export function form(params: Record<string, string>): { headers: Record<string, string>; body: string } {
  return { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(params).toString() };
}
