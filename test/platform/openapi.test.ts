import { createConfig, lintFromString } from '@redocly/openapi-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_FAMILIES } from '../../src/platform/http/openapi.js';
import { type TestServer, startTestServer } from '../support/server.js';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(() => t.close());

type Doc = { openapi: string; paths: Record<string, Record<string, { tags?: string[]; operationId?: string; responses?: Record<string, unknown> }>> };

async function document(path: string): Promise<Doc> {
  const response = await fetch(`${t.url}${path}`);
  expect(response.status).toBe(200);
  return (await response.json()) as Doc;
}

/** Redocly's "recommended" ruleset, every problem of severity error counted. */
async function lintErrors(doc: Doc) {
  const config = await createConfig({ extends: ['recommended'] });
  const problems = await lintFromString({ source: JSON.stringify(doc), absoluteRef: 'openapi.json', config });
  return problems.filter((p) => p.severity === 'error').map((p) => `${p.ruleId}: ${p.message} at ${p.location[0]?.pointer}`);
}

describe('OpenAPI documents', () => {
  it('the combined document is OpenAPI 3.0.3 and lints with zero errors', async () => {
    const doc = await document('/openapi.json');
    expect(doc.openapi).toBe('3.0.3');
    expect(await lintErrors(doc)).toEqual([]);
  });

  it.each(Object.keys(API_FAMILIES))('the %s document holds only its family and lints with zero errors', async (family) => {
    const doc = await document(`/openapi/${family}.json`);
    const operations = Object.values(doc.paths).flatMap((ops) => Object.values(ops));
    expect(operations.length).toBeGreaterThan(0);
    expect(operations.every((op) => op.tags?.[0] === family)).toBe(true);
    expect(await lintErrors(doc)).toEqual([]);
  });

  it('documents every route of the server, each with an operationId and its error responses', async () => {
    const doc = await document('/openapi.json');
    const paths = Object.keys(doc.paths);
    for (const expected of ['/oauth2/token', '/oauth2/introspect', '/oauth2/revoke', '/.well-known/openid-configuration', '/.well-known/oauth-authorization-server', '/.well-known/jwks.json', '/admin/v1/clients', '/admin/v1/clients/{clientId}/rotate-secret', '/admin/v1/keys/rotate', '/healthz', '/readyz', '/metrics']) {
      expect(paths).toContain(expected);
    }
    for (const ops of Object.values(doc.paths)) for (const op of Object.values(ops)) expect(op.operationId).toBeTruthy();
    expect(Object.keys(doc.paths['/oauth2/token']!.post!.responses!)).toEqual(expect.arrayContaining(['200', '400', '401', '429']));
  });

  it('answers 404 with the known families for an unknown one', async () => {
    const response = await fetch(`${t.url}/openapi/nope.json`);
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ code: 'unknown_family', message: expect.stringMatching(/auth/) });
  });
});

describe('/docs/reference', () => {
  it('serves the API reference from npm packages, with no CDN', async () => {
    const response = await fetch(`${t.url}/docs/reference/`, { redirect: 'follow' });
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toMatch(/swagger-ui/i);
    const external = [...html.matchAll(/(?:src|href)="(https?:[^"]+)"/g)].map((m) => m[1]);
    expect(external).toEqual([]);
    const bundle = await fetch(`${t.url}/docs/reference/static/swagger-ui-bundle.js`);
    expect(bundle.status).toBe(200);
    // Read it all: an unread 1.6 MB response keeps its connection busy and the server's close waiting.
    expect((await bundle.arrayBuffer()).byteLength).toBeGreaterThan(100_000);
    const initializer = await (await fetch(`${t.url}/docs/reference/static/swagger-initializer.js`)).text();
    expect(initializer).toContain('/openapi/auth.json');
    expect(initializer).toContain('"tryItOutEnabled":true');
    expect(initializer).toContain('"persistAuthorization":false');
    const script = await fetch(`${t.url}/docs/reference/static/theme/psif-reference.js`);
    expect(script.status).toBe(200);
    expect(await script.text()).toContain('requestInterceptor');
  });

  it('redirects the assets of the former /docs to the same files under /docs/reference', async () => {
    const bundle = await fetch(`${t.url}/docs/static/swagger-ui-bundle.js`);
    expect(bundle.status).toBe(200);
    expect(bundle.url).toBe(`${t.url}/docs/reference/static/swagger-ui-bundle.js`);
    expect((await bundle.arrayBuffer()).byteLength).toBeGreaterThan(100_000);
  });
});
