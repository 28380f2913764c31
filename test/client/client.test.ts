import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientTypes } from '../../src/client/generate.js';
import { TokenRequestError, psifClient, requestToken } from '../../src/client/psif-client.js';
import { type TestServer, startTestServer } from '../support/server.js';

/** The typed client kept in src/client: in step with the routes, and working over real HTTP. */
let ts: TestServer;
let admin: { clientId: string; clientSecret: string };

beforeAll(async () => {
  ts = await startTestServer();
  admin = await ts.createClient({ kind: 'admin', name: 'ops' });
});
afterAll(async () => ts?.close());

describe('src/client/openapi.ts', () => {
  it('is what openapi-typescript generates from the served OpenAPI document (run npm run generate:client after changing a route)', async () => {
    const document = (await (await fetch(`${ts.url}/openapi.json`)).json()) as object;
    const committed = readFileSync(new URL('../../src/client/openapi.ts', import.meta.url), 'utf8');
    expect(await clientTypes(document)).toBe(committed);
  });
});

describe('psifClient', () => {
  it('fetches a client-credentials token once, reuses it, and reads typed answers', async () => {
    const seen: string[] = [];
    const counting: typeof fetch = (input, init) => {
      seen.push(new URL(input instanceof Request ? input.url : String(input)).pathname);
      return fetch(input, init);
    };
    const psif = psifClient({ baseUrl: ts.url, credentials: admin, fetch: counting });
    const first = await psif.GET('/admin/v1/clients');
    expect(first.error).toBeUndefined();
    expect(first.data!.items.map((c) => c.clientId)).toContain(admin.clientId);
    const created = await psif.POST('/admin/v1/clients', { body: { kind: 'vendor', name: 'typed' } });
    expect(created.response.status).toBe(201);
    expect(created.data!.clientSecret).toEqual(expect.any(String));
    expect(seen.filter((p) => p === '/oauth2/token')).toHaveLength(1);
    expect(seen).toHaveLength(3);
  });

  it('hands back psif errors as data, and refused credentials as a TokenRequestError', async () => {
    const psif = psifClient({ baseUrl: ts.url, credentials: admin });
    const missing = await psif.GET('/admin/v1/clients/{clientId}', { params: { path: { clientId: 'nobody' } } });
    expect(missing.response.status).toBe(404);
    expect(missing.error).toMatchObject({ statusCode: 404, code: expect.any(String) });
    await expect(requestToken(ts.url, { ...admin, clientSecret: 'wrong' })).rejects.toMatchObject({ name: 'TokenRequestError', status: 401, error: 'invalid_client' });
    const refused = psifClient({ baseUrl: ts.url, credentials: { ...admin, clientSecret: 'wrong' } });
    await expect(refused.GET('/admin/v1/clients')).rejects.toBeInstanceOf(TokenRequestError);
  });
});
