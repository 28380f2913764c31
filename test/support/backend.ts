/** Where the postgres test run connects; each test server gets its own schema in this database. */
export const TEST_DATABASE_URL = process.env.PSIF_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export type TestBackend = 'sqlite' | 'postgres';

export function testBackend(): TestBackend {
  return process.env.PSIF_TEST_BACKEND === 'postgres' ? 'postgres' : 'sqlite';
}
