import { mkdirSync } from 'node:fs';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import type { Config } from '../config/config.js';
import { migrationProvider } from './migrations.js';
import { withStatementCache } from './sqlite-statement-cache.js';
import type { Database } from './schema.js';

export type Backend = 'sqlite' | 'postgres';

export interface Db {
  kysely: Kysely<Database>;
  backend: Backend;
  /** The PostgreSQL pool under Kysely, for the few paths that need the driver itself (named statements). */
  pgPool?: pg.Pool;
  /** Where the data is, for logs: a file path or the database URL without its password. */
  location: string;
  close(): Promise<void>;
}

export async function openDatabase(config: Pick<Config, 'databaseUrl' | 'databaseSchema' | 'dataDir'>): Promise<Db> {
  const db = config.databaseUrl ? openPostgres(config.databaseUrl, config.databaseSchema) : openSqlite(config.dataDir);
  try {
    if (db.backend === 'postgres' && config.databaseSchema) {
      await sql`create schema if not exists ${sql.id(config.databaseSchema)}`.execute(db.kysely);
    }
    await migrate(db.kysely, db.backend === 'postgres' ? config.databaseSchema : undefined);
  } catch (error) {
    await db.close();
    throw error;
  }
  return db;
}

function openSqlite(dataDir: string): Db {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = path.join(dataDir, 'psif.sqlite');
  const sqlite = new SqliteDatabase(file);
  // WAL lets readers proceed during a write; NORMAL sync is durable across process crashes in WAL mode.
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  const kysely = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
  return { kysely, backend: 'sqlite', location: file, close: () => kysely.destroy() };
}

function openPostgres(url: string, schema: string | undefined): Db {
  const pool = new pg.Pool({
    connectionString: url,
    max: 10,
    // bigint columns hold epoch milliseconds, well inside Number's exact range.
    types: { getTypeParser: (oid: number, format?: 'text' | 'binary') => (oid === 20 ? Number : pg.types.getTypeParser(oid, format as 'text')) },
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  });
  const kysely = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return { kysely, backend: 'postgres', pgPool: pool, location: withoutPassword(url), close: () => kysely.destroy() };
}

async function migrate(kysely: Kysely<Database>, schema: string | undefined): Promise<void> {
  const migrator = new Migrator({ db: kysely, provider: migrationProvider, ...(schema ? { migrationTableSchema: schema } : {}) });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    throw new Error(`database migration ${failed ?? ''} failed: ${(error as Error).message ?? String(error)}`);
  }
}

function withoutPassword(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.href;
}

export async function ping(db: Db): Promise<void> {
  await sql`select 1`.execute(db.kysely);
}

/** Bound-parameter markers for hand-written SQL: `$1, $2...` on PostgreSQL, `?` on SQLite, in call order. */
export function placeholders(backend: Backend): () => string {
  let n = 0;
  return backend === 'postgres' ? () => `$${++n}` : () => '?';
}
