import pg from 'pg';
import { defineConfig } from 'vitest/config';
import { TEST_DATABASE_URL } from './test/support/backend.js';

/**
 * The whole suite runs twice: on SQLite and on PostgreSQL. Without a reachable PostgreSQL the second run
 * is skipped with a message, unless CI is set: CI must prove both backends.
 */
async function postgresReachable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

export default defineConfig(async () => {
  const withPostgres = process.env.CI ? true : await postgresReachable();
  if (!withPostgres) {
    console.warn(`\n[psif tests] PostgreSQL is not reachable at ${TEST_DATABASE_URL}: the postgres run is SKIPPED (set CI=1 to make this an error).\n`);
  }
  const common = { include: ['test/**/*.test.ts'], testTimeout: 30_000, hookTimeout: 60_000, pool: 'forks' as const };
  return {
    test: {
      reporters: ['default'],
      projects: [
        { test: { ...common, name: 'sqlite', env: { PSIF_TEST_BACKEND: 'sqlite' } } },
        ...(withPostgres ? [{ test: { ...common, name: 'postgres', env: { PSIF_TEST_BACKEND: 'postgres' } } }] : []),
      ],
    },
  };
});
