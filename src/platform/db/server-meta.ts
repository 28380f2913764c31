import type { Kysely } from 'kysely';
import type { MasterSecret } from '../crypto/master-secret.js';
import type { Database } from './schema.js';

/**
 * Records which master secret a database belongs to. A second process started with another secret
 * (a forgotten PSIF_SECRET_KEY on a new node) would otherwise fail every client login and every key unseal.
 */
export async function checkMasterSecret(db: Kysely<Database>, secret: MasterSecret): Promise<void> {
  const fingerprint = secret.fingerprint();
  await db.insertInto('server_meta').values({ key: 'master_secret_fingerprint', value: fingerprint }).onConflict((oc) => oc.column('key').doNothing()).execute();
  const row = await db.selectFrom('server_meta').select('value').where('key', '=', 'master_secret_fingerprint').executeTakeFirstOrThrow();
  if (row.value !== fingerprint) {
    throw new Error('this database was created with another master secret: set PSIF_SECRET_KEY (or <data dir>/secret.key) to the one used by the other psif processes');
  }
}
