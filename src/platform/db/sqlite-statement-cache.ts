import type BetterSqlite3 from 'better-sqlite3';
import type { SqliteDatabase, SqliteStatement } from 'kysely';

/**
 * Kysely's SQLite driver prepares every statement anew; preparing was ~10% of the token endpoint's CPU.
 * This reuses prepared statements by SQL text (bounded, oldest dropped first). A statement still being
 * iterated by a streaming query is busy and cannot be shared, so a fresh one is prepared for that call.
 */
export function withStatementCache(database: BetterSqlite3.Database, maxStatements = 500): SqliteDatabase {
  const cache = new Map<string, BetterSqlite3.Statement>();
  return {
    close: () => database.close(),
    prepare(sql: string): SqliteStatement {
      const cached = cache.get(sql);
      if (cached && !cached.busy) return cached as unknown as SqliteStatement;
      const statement = database.prepare(sql);
      if (!cached) {
        if (cache.size >= maxStatements) cache.delete(cache.keys().next().value as string);
        cache.set(sql, statement);
      }
      return statement as unknown as SqliteStatement;
    },
  };
}
