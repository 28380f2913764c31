import { createHash } from 'node:crypto';
import { CompiledQuery } from 'kysely';
import type { Db } from './database.js';

/** Runs one read-only SQL statement with bound parameters and answers its rows. */
export type ReadQuery = <R = Record<string, unknown>>(sql: string, params: readonly unknown[]) => Promise<R[]>;

/**
 * Reads for hot paths (the Raw API), with statements prepared once per connection. On PostgreSQL the
 * statement gets a name, so the server parses and plans it once per connection instead of once per
 * request. A name is derived from the text, as pg refuses one name for two texts on a connection. Names
 * go to the first `maxNamed` distinct texts only, as each one holds server memory on every
 * pooled connection and filter combinations are unbounded. On SQLite, Kysely's connection already reuses
 * prepared statements (sqlite-statement-cache.ts).
 */
export function createReadQuery(db: Db, maxNamed = 1000): ReadQuery {
  const pool = db.pgPool;
  if (!pool) {
    return async <R>(sql: string, params: readonly unknown[]) => (await db.kysely.executeQuery<R>(CompiledQuery.raw(sql, params as unknown[]))).rows;
  }
  const names = new Map<string, string>();
  return async <R>(sql: string, params: readonly unknown[]) => {
    let name = names.get(sql);
    if (name === undefined && names.size < maxNamed) names.set(sql, (name = `psif_read_${createHash('sha1').update(sql).digest('hex')}`));
    const result = await pool.query({ text: sql, values: params as unknown[], ...(name ? { name } : {}) });
    return result.rows as R[];
  };
}
