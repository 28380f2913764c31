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

  /** Revocations recorded since `since` (by their revoked_at) that still matter at `now`. */
  async listSince(since: number, now: number): Promise<{ jti: string; expiresAt: number; revokedAt: number }[]> {
    const rows = await this.db
      .selectFrom('revoked_tokens')
      .select(['jti', 'expires_at', 'revoked_at'])
      .where('revoked_at', '>=', since)
      .where('expires_at', '>', now)
      .execute();
    return rows.map((r) => ({ jti: r.jti, expiresAt: r.expires_at, revokedAt: r.revoked_at }));
  }

  /** A revocation only matters until the token would have expired anyway. */
  async purgeExpired(now: number): Promise<number> {
    const result = await this.db.deleteFrom('revoked_tokens').where('expires_at', '<', now).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
