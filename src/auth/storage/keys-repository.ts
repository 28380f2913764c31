import type { Kysely, Selectable } from 'kysely';
import type { Database, SigningKeyTable } from '../../platform/db/schema.js';

export type SigningKeyRow = Selectable<SigningKeyTable>;

export class KeysRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Every key still published, newest first: the first active one signs. */
  async listPublished(now: number): Promise<SigningKeyRow[]> {
    return this.db
      .selectFrom('signing_keys')
      .selectAll()
      .where((eb) => eb.or([eb('unpublish_at', 'is', null), eb('unpublish_at', '>', now)]))
      .orderBy('created_at', 'desc')
      .orderBy('kid', 'desc')
      .execute();
  }

  /** Inserts the new key and retires every other active key in one transaction. */
  async insertActive(row: SigningKeyRow, retire: { at: number; unpublishAt: number } | null): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      if (retire) {
        await tx
          .updateTable('signing_keys')
          .set({ status: 'retired', retired_at: retire.at, unpublish_at: retire.unpublishAt })
          .where('status', '=', 'active')
          .execute();
      }
      await tx.insertInto('signing_keys').values(row).execute();
    });
  }

  async deleteUnpublished(now: number): Promise<number> {
    const result = await this.db.deleteFrom('signing_keys').where('unpublish_at', '<=', now).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
