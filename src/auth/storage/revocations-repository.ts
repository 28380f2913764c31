import type { Kysely } from 'kysely';
import type { Database } from '../../platform/db/schema.js';

export class RevocationsRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async revoke(jti: string, clientId: string, expiresAt: number, now: number): Promise<void> {
    await this.db
      .insertInto('revoked_tokens')
      .values({ jti, client_id: clientId, expires_at: expiresAt, revoked_at: now })
      .onConflict((oc) => oc.column('jti').doNothing())
      .execute();
  }

  async isRevoked(jti: string): Promise<boolean> {
    const row = await this.db.selectFrom('revoked_tokens').select('jti').where('jti', '=', jti).executeTakeFirst();
    return row !== undefined;
  }

  /** A revocation only matters until the token would have expired anyway. */
  async purgeExpired(now: number): Promise<number> {
    const result = await this.db.deleteFrom('revoked_tokens').where('expires_at', '<', now).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
