import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliServer, runCli, runCliJson, startCliServer } from './support/cli.js';
import { basic, isolatedEnv } from './support/server.js';

/** The CLI and `psif start` as real processes sharing one database, as an operator uses them. */
let env: Record<string, string>;
let cleanup: () => Promise<void>;
let server: CliServer;

beforeAll(async () => {
  // PSIF_AUTH_CACHE_MS=0: the server sees CLI changes at once, so the assertions below need no waiting.
  ({ env, cleanup } = await isolatedEnv({ PSIF_AUTH_CACHE_MS: '0', LOG_LEVEL: 'info' }));
  server = await startCliServer(env);
});
afterAll(async () => {
  await server?.stop();
  await cleanup();
});

async function token(clientId: string, clientSecret: string) {
  const response = await fetch(`${server.url}/oauth2/token`, { method: 'POST', headers: { authorization: basic(clientId, clientSecret), 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials' });
  return { status: response.status, json: (await response.json()) as Record<string, string> };
}

describe('psif start on a fresh data directory', () => {
  it('creates everything it needs and tells how to create a first client', () => {
    const { stderr } = server.output();
    expect(stderr).toMatch(/psif is initialised/);
    expect(stderr).toMatch(/psif clients create --kind admin/);
  });
});

describe('psif clients', () => {
  it('create --json prints client_id and client_secret that work at once against the running server', async () => {
    const created = await runCliJson<{ client_id: string; client_secret: string; kind: string; audiences: string[] }>(
      ['clients', 'create', '--kind', 'vendor', '--name', 'acme', '--scope', 'openid subscription.write', '--audience', 'https://extra.example'],
      env,
    );
    expect(created.kind).toBe('vendor');
    expect(created.audiences).toEqual([env.PSIF_PUBLIC_URL, 'tech-vendor/acme', 'https://extra.example']);
    const r = await token(created.client_id, created.client_secret);
    expect(r.status).toBe(200);
    expect(r.json.token_type).toBe('bearer');
  });

  it('create without --json prints a readable summary with the secret', async () => {
    const result = await runCli(['clients', 'create', '--kind', 'shop', '--shop-id', '0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d'], env);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/client_secret: [A-Za-z0-9_-]{43}/);
    expect(result.stdout).toMatch(/client_secret_post/);
  });

  it('list --json shows clients without secrets', async () => {
    const listed = await runCliJson<{ items: { name: string; kind: string }[]; total: number }>(['clients', 'list', '--kind', 'vendor'], env);
    expect(listed.items.map((c) => c.name)).toContain('acme');
    expect(listed.items.every((c) => c.kind === 'vendor')).toBe(true);
    expect(JSON.stringify(listed)).not.toMatch(/secret_hash|client_secret"/);
  });

  it('rotate-secret, disable and enable take effect on the running server', async () => {
    const created = await runCliJson<{ client_id: string; client_secret: string }>(['clients', 'create', '--kind', 'admin', '--name', 'ops'], env);
    const rotated = await runCliJson<{ client_secret: string; previous_secret_expires_at: string }>(['clients', 'rotate-secret', created.client_id, '--grace', '0'], env);
    expect((await token(created.client_id, created.client_secret)).status).toBe(401);
    expect((await token(created.client_id, rotated.client_secret)).status).toBe(200);

    const accessToken = (await token(created.client_id, rotated.client_secret)).json.access_token!;
    const disabled = await runCliJson<{ status: string }>(['clients', 'disable', created.client_id], env);
    expect(disabled.status).toBe('disabled');
    expect((await token(created.client_id, rotated.client_secret)).status).toBe(401);
    const refused = await fetch(`${server.url}/admin/v1/clients`, { headers: { authorization: `Bearer ${accessToken}` } });
    expect(refused.status).toBe(401);

    await runCliJson(['clients', 'enable', created.client_id], env);
    expect((await token(created.client_id, rotated.client_secret)).status).toBe(200);
  });

  it('reports errors clearly with a non-zero exit code', async () => {
    const missing = await runCli(['clients', 'disable', 'no-such-client'], env);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no client with id "no-such-client"/);
    const badKind = await runCli(['clients', 'create', '--kind', 'robot', '--name', 'x'], env);
    expect(badKind.code).toBe(2);
    expect(badKind.stderr).toMatch(/robot/);
    const duplicate = await runCli(['clients', 'create', '--kind', 'vendor', '--name', 'acme'], env);
    expect(duplicate.code).toBe(1);
    expect(duplicate.stderr).toMatch(/already exists/);
  });
});

describe('psif keys', () => {
  it('rotate --json makes a new key that the running server publishes and signs with', async () => {
    const before = (await (await fetch(`${server.url}/.well-known/jwks.json`)).json()) as { keys: { kid: string }[] };
    const rotated = await runCliJson<{ kid: string; status: string }>(['keys', 'rotate'], env);
    expect(rotated.status).toBe('active');
    expect(before.keys.map((k) => k.kid)).not.toContain(rotated.kid);
    const deadline = Date.now() + 15_000;
    let kids: string[] = [];
    while (Date.now() < deadline) {
      kids = ((await (await fetch(`${server.url}/.well-known/jwks.json`)).json()) as { keys: { kid: string }[] }).keys.map((k) => k.kid);
      if (kids.includes(rotated.kid)) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(kids).toContain(rotated.kid);
    expect(kids).toEqual(expect.arrayContaining(before.keys.map((k) => k.kid)));
    const listed = await runCliJson<{ items: { kid: string; status: string }[] }>(['keys', 'list'], env);
    expect(listed.items.filter((k) => k.status === 'active').map((k) => k.kid)).toEqual([rotated.kid]);
  });
});

describe('operability of the real process', () => {
  it('echoes a sane X-Request-Id and logs it; never logs secrets', async () => {
    const created = await runCliJson<{ client_id: string; client_secret: string }>(['clients', 'create', '--kind', 'vendor', '--name', 'logged'], env);
    const response = await fetch(`${server.url}/oauth2/token?client_secret=${created.client_secret}`, {
      method: 'POST',
      headers: { authorization: basic(created.client_id, created.client_secret), 'content-type': 'application/x-www-form-urlencoded', 'x-request-id': 'trace-abc-123' },
      body: `grant_type=client_credentials&client_secret=${created.client_secret}`,
    });
    expect(response.status).toBe(400);
    expect(response.headers.get('x-request-id')).toBe('trace-abc-123');
    const bad = await fetch(`${server.url}/healthz`, { headers: { 'x-request-id': 'bad id with spaces' } });
    expect(bad.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const { stdout } = server.output();
    expect(stdout).toContain('"reqId":"trace-abc-123"');
    expect(stdout).toContain('[REDACTED]');
    expect(stdout).not.toContain(created.client_secret);
    expect(stdout).not.toContain(basic(created.client_id, created.client_secret).slice(6));
  });
});

describe('configuration errors stop the start with the variable named', () => {
  it.each([
    ['PSIF_PORT', 'abc'],
    ['PSIF_PORT', '70000'],
    ['PSIF_PUBLIC_URL', 'not a url'],
    ['DATABASE_URL', 'mysql://localhost/x'],
    ['LOG_LEVEL', 'loud'],
    ['PSIF_SIGNING_ALG', 'HS256'],
    ['PSIF_SECRET_KEY', 'short'],
  ])('%s=%s', async (name, value) => {
    const result = await runCli(['start'], { ...env, [name]: value });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(new RegExp(`invalid configuration: ${name}:`));
  });
});

describe('graceful shutdown', () => {
  it('on SIGTERM, finishes the request in flight, then exits 0', async () => {
    const { env: ownEnv, cleanup: ownCleanup } = await isolatedEnv({ LOG_LEVEL: 'info' });
    const created = await runCliJson<{ client_id: string; client_secret: string }>(['clients', 'create', '--kind', 'vendor', '--name', 'drain'], ownEnv);
    const own = await startCliServer(ownEnv);
    try {
      const port = Number(new URL(own.url).port);
      const body = 'grant_type=client_credentials';
      const socket = connect(port, '127.0.0.1');
      await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
      let answer = '';
      socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
      const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
      // Headers and half the body: the request is in flight when SIGTERM arrives.
      socket.write(
        `POST /oauth2/token HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${basic(created.client_id, created.client_secret)}\r\n` +
          `Content-Type: application/x-www-form-urlencoded\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body.slice(0, 10)}`,
      );
      await new Promise((resolve) => setTimeout(resolve, 200));
      own.child.kill('SIGTERM');
      await new Promise((resolve) => setTimeout(resolve, 300));
      // While draining, new requests are refused (the listener is closed).
      await expect(fetch(`${own.url}/healthz`)).rejects.toThrow();
      socket.write(body.slice(10));
      await closed;
      expect(answer).toMatch(/^HTTP\/1\.1 200 OK/);
      expect(answer).toContain('"token_type":"bearer"');
      expect(await own.exited).toBe(0);
      expect(own.output().stdout).toMatch(/shutdown complete/);
    } finally {
      await own.stop();
      await ownCleanup();
    }
  });
});
