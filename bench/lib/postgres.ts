// PostgreSQL plumbing shared by the benches that run against a PostgreSQL
// backend: where it is, a pool on a bench schema, and cleaning up after.

import pg from 'pg';

export const BENCH_PG_URL = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A pool on `schema`, reading bigint (epoch ms) as numbers like psif does. */
export function pgPool(schema: string, max: number): pg.Pool {
  return new pg.Pool({
    connectionString: BENCH_PG_URL,
    max,
    types: { getTypeParser: (oid: number, format?: 'text' | 'binary') => (oid === 20 ? Number : pg.types.getTypeParser(oid, format as 'text')) },
    options: `-c search_path=${schema}`,
  });
}

/** Why PostgreSQL at BENCH_PG_URL cannot be used, or undefined when it answers. */
export async function postgresUnreachable(): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: BENCH_PG_URL, connectionTimeoutMillis: 3_000 });
  try {
    await client.connect();
    await client.query('select 1');
    return undefined;
  } catch (error) {
    return (error as Error).message || String(error);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Drop the bench schemas, with everything in them; a failure is only warned about. */
export async function dropSchemas(schemas: string[]): Promise<void> {
  const client = new pg.Client({ connectionString: BENCH_PG_URL });
  try {
    await client.connect();
    for (const schema of schemas) await client.query(`DROP SCHEMA IF EXISTS "${schema.replaceAll('"', '""')}" CASCADE`);
  } catch (error) {
    console.log(`warning: could not drop the bench ${schemas.length === 1 ? 'schema' : 'schemas'} ${schemas.join(', ')}: ${(error as Error).message}`);
  } finally {
    await client.end().catch(() => undefined);
  }
}
