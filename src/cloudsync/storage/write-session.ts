import { createHash } from 'node:crypto';
import { CompiledQuery, type Kysely } from 'kysely';
import type pg from 'pg';
import type { Db } from '../../platform/db/database.js';

/** One database transaction of the collector, speaking raw SQL with bound parameters. */
export interface WriteSession {
  /** `reuse`: a statement text run many times (prepared once per connection where the driver allows it). */
  query<R = Record<string, unknown>>(sql: string, params: readonly unknown[], reuse?: boolean): Promise<{ rows: R[]; changes: number }>;
}

/**
 * Runs `work` in one transaction. On PostgreSQL it takes a pooled client and prepares reused statements by
 * name: a 500-row upsert has ~30,000 parameters, and parsing and planning it for every batch cost a third
 * of the time. On SQLite it goes through Kysely's single connection, whose mutex keeps everyone else's
 * statements out of the transaction.
 */
export async function inWriteTransaction<T>(db: Db, work: (session: WriteSession) => Promise<T>): Promise<T> {
  if (db.pgPool) return inPostgresTransaction(db.pgPool, work);
  return db.kysely.transaction().execute((trx) => work(kyselySession(trx)));
}

async function inPostgresTransaction<T>(pool: pg.Pool, work: (session: WriteSession) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken = false;
  try {
    await client.query('BEGIN');
    const result = await work({
      async query<R>(sql: string, params: readonly unknown[], reuse = false) {
        const name = reuse ? `psif_${createHash('sha1').update(sql).digest('hex').slice(0, 40)}` : undefined;
        const out = await client.query({ text: sql, values: params as unknown[], ...(name ? { name } : {}) });
        return { rows: out.rows as R[], changes: out.rowCount ?? 0 };
      },
    });
    await client.query('COMMIT');
    return result;
  } catch (error) {
    try {
      await client.query('ROLLBACK');
    } catch {
      broken = true;
    }
    throw error;
  } finally {
    client.release(broken);
  }
}

function kyselySession(db: Kysely<any>): WriteSession {
  return {
    async query<R>(sql: string, params: readonly unknown[]) {
      const out = await db.executeQuery<R>(CompiledQuery.raw(sql, params as unknown[]));
      return { rows: out.rows, changes: Number(out.numAffectedRows ?? 0n) };
    },
  };
}
