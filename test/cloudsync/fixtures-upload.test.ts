import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Content, Property } from '../../src/catalog/catalog.js';
import { parseDatetime } from '../../src/catalog/property-codec.js';
import { PS_VERSIONS, createJob, fixture, fixtureFiles, registerShop, rows, upload, type ShopRig } from '../support/cloudsync.js';
import { type TestServer, startTestServer } from '../support/server.js';

/**
 * Every fixture of every PrestaShop version, uploaded exactly as ps_eventbus does, then read back from the
 * table: every property must come back with its value and the type of its catalog type.
 */
describe('uploads of real ps_eventbus payloads (PrestaShop 1.6 to 9.1)', () => {
  let ts: TestServer;
  beforeAll(async () => {
    ts = await startTestServer();
  });
  afterAll(async () => ts?.close());

  for (const version of PS_VERSIONS) {
    it(`stores every fixture of PrestaShop ${version} with every property`, async () => {
      const shop = await registerShop(ts);
      const jobId = await createJob(ts, shop.shopId, { full: true });
      let uploaded = 0;
      for (const file of fixtureFiles(version)) {
        const lines = fixture(version, file);
        if (lines.length === 0) continue;
        const response = await upload(ts, jobId, lines, { token: shop.token });
        expect(response.status, `${version}/${file}: ${JSON.stringify(response.body)}`).toBe(201);
        expect(response.body).toMatchObject({ accepted: lines.length, upserted: lines.length, deleted: 0, skipped: 0, ignoredProperties: [] });
        await expectStored(ts, shop, lines, `${version}/${file}`);
        uploaded += lines.length;
      }
      expect(uploaded).toBeGreaterThan(100);
    });
  }
});

async function expectStored(ts: TestServer, shop: ShopRig, lines: ReturnType<typeof fixture>, label: string): Promise<void> {
  const content = ts.server.core.catalog.byUploadCollection(lines[0]!.collection)!;
  const stored = new Map((await rows(ts, content.table, shop.shopId)).map((row) => [row.id as string, row]));
  // Later lines win for a repeated identity (cloudsync-protocol §10.11): compare with the last one.
  const expected = new Map(lines.map((line) => [identity(content, line.properties, shop.shopId), line.properties]));
  expect(stored.size, label).toBe(expected.size);
  for (const [id, properties] of expected) {
    const row = stored.get(id);
    expect(row, `${label}: row ${id}`).toBeDefined();
    for (const property of content.properties) {
      const value = row![property.name];
      const where = `${label} ${id}.${property.name}`;
      if (!(property.name in properties)) {
        expect(value, where).toBeNull();
        continue;
      }
      expect(value, where).toEqual(storedForm(property, properties[property.name], ts.server.core.db.backend));
    }
    expect(Number(row!.sys_deleted)).toBe(0);
    expect(typeof row!.sys_last_synced_at).toBe('number');
  }
}

function identity(content: Content, properties: Record<string, unknown>, shopId: string): string {
  if (content.idProperties.length === 0) return shopId;
  return content.idProperties.filter((p, i) => i === 0 || p.name in properties).map((p) => String(properties[p.name])).join('-');
}

/** What the column must hold, with its JS type as the driver returns it. */
function storedForm(property: Property, value: unknown, backend: 'sqlite' | 'postgres'): unknown {
  if (value === null) return null;
  switch (property.type) {
    case 'string':
      return String(value);
    case 'integer':
    case 'number':
      return Number(value);
    case 'boolean': {
      const flag = value === true || value === 1 || value === '1';
      return backend === 'sqlite' ? (flag ? 1 : 0) : flag;
    }
    case 'datetime':
      return String(value).startsWith('0000') || value === '' ? null : parseDatetime(String(value));
    case 'date':
      return value;
    case 'object':
      return JSON.stringify(value);
  }
}
