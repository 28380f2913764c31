import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReadQuery } from '../../src/platform/db/read-query.js';
import { placeholders } from '../../src/platform/db/database.js';
import { type TestServer, startTestServer } from '../support/server.js';

let ts: TestServer;
beforeAll(async () => {
  ts = await startTestServer();
});
afterAll(async () => ts?.close());

describe('createReadQuery', () => {
  it('answers the same rows for statements past the prepared-name budget, and for one text asked again', async () => {
    const db = ts.server.core.db;
    const read = createReadQuery(db, 1);
    const p = () => placeholders(db.backend);
    for (let round = 0; round < 2; round++) {
      for (const n of [1, 2, 3]) {
        const at = p();
        const rows = await read<{ v: number | string }>(`SELECT ${at()} + ${n} AS "v"`, [n]);
        expect(Number(rows[0]!.v)).toBe(2 * n);
      }
    }
    // A second reader on the same pool names the same text the same way: no clash on a pooled connection.
    const again = createReadQuery(db, 1);
    expect(Number((await again<{ v: number }>(`SELECT ${p()()} + 1 AS "v"`, [1]))[0]!.v)).toBe(2);
  });
});
