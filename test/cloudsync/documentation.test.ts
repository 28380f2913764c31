import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LINE_ERRORS } from '../../src/cloudsync/ingest/line-parser.js';
import { type TestServer, startTestServer } from '../support/server.js';

/** The line error codes are written once (LINE_ERRORS); the docs and the OpenAPI document must show them all. */
describe('CloudSync documentation', () => {
  let ts: TestServer;
  beforeAll(async () => {
    ts = await startTestServer();
  });
  afterAll(async () => ts?.close());

  it('docs/cloudsync.md lists every line error code with its meaning', () => {
    const docs = readFileSync(new URL('../../docs/cloudsync.md', import.meta.url), 'utf8');
    for (const [code, meaning] of Object.entries(LINE_ERRORS)) expect(docs).toContain(`| \`${code}\` | ${meaning} |`);
  });

  it('the cloudsync OpenAPI document has every shop-facing route and documents the upload errors', async () => {
    const doc = (await (await fetch(`${ts.url}/openapi/cloudsync.json`)).json()) as { paths: Record<string, Record<string, { description?: string }>> };
    expect(Object.keys(doc.paths).sort()).toEqual([
      '/collector/delete/{jobId}', '/collector/upload/{jobId}', '/collector/v1/delete/{jobId}', '/collector/v1/upload/{jobId}',
      '/live-sync-api/v1/notify/{shopId}', '/live-sync/v1/notify/{shopId}',
      '/sync-api/consent/{shopId}', '/sync-api/job/{jobId}', '/sync-api/sync/trigger', '/sync-api/sync/trigger-full',
      '/sync/v1/job/{jobId}', '/sync/v1/shops/{shopId}', '/sync/v1/shops/{shopId}/consents', '/sync/v1/shops/{shopId}/consents/{moduleName}',
    ]);
    const description = doc.paths['/collector/upload/{jobId}']!.post!.description!;
    for (const code of [...Object.keys(LINE_ERRORS), 'payload_too_large', 'unsupported_media_type', 'job_expired', 'job_of_another_shop']) expect(description).toContain(code);
  });
});
