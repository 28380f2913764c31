import { createHash, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { BillingApiKeyTable, Database } from '../../platform/db/schema.js';
import { ApiError } from '../../platform/http/api-error.js';
import { billingError } from '../billing-errors.js';
import { newId } from '../model.js';

/**
 * Keys of the internal quantity routes (`X-BILLING-API-KEY`, billing.md §1.4 B4/B5). A key belongs to a
 * vendor and reaches only its products' subscriptions. Only a SHA-256 of the key is kept: the key has 256
 * random bits, so a fast hash is enough, and looking it up by hash compares no secret byte by byte.
 */
export class BillingApiKeys {
  constructor(private readonly db: Kysely<Database>) {}

  async create(vendorClientId: string): Promise<{ key: string; row: BillingApiKeyTable }> {
    const key = `psk_${randomBytes(32).toString('base64url')}`;
    const row: BillingApiKeyTable = { key_id: newId('key'), vendor_client_id: vendorClientId, key_hash: hash(key), prefix: key.slice(0, 10), created_at: Date.now(), revoked_at: null, last_used_at: null };
    await this.db.insertInto('billing_api_keys').values(row).execute();
    return { key, row };
  }

  async list(vendorClientId?: string): Promise<BillingApiKeyTable[]> {
    let query = this.db.selectFrom('billing_api_keys').selectAll().orderBy('created_at', 'desc');
    if (vendorClientId) query = query.where('vendor_client_id', '=', vendorClientId);
    return query.execute();
  }

  async revoke(keyId: string): Promise<void> {
    const result = await this.db.updateTable('billing_api_keys').set({ revoked_at: Date.now() }).where('key_id', '=', keyId).where('revoked_at', 'is', null).executeTakeFirst();
    if (Number(result.numUpdatedRows) !== 1) throw ApiError.notFound('api_key_not_found', `no active billing API key "${keyId}"`);
  }

  /** The vendor a presented key belongs to; INVALID_API_KEY (403) for a missing, unknown or revoked key. */
  async authenticate(key: string | undefined): Promise<string> {
    if (!key || key.length > 200) throw billingError('INVALID_API_KEY');
    const row = await this.db.selectFrom('billing_api_keys').select(['key_id', 'vendor_client_id', 'revoked_at']).where('key_hash', '=', hash(key)).executeTakeFirst();
    if (!row || row.revoked_at !== null) throw billingError('INVALID_API_KEY');
    await this.db.updateTable('billing_api_keys').set({ last_used_at: Date.now() }).where('key_id', '=', row.key_id).execute();
    return row.vendor_client_id;
  }
}

function hash(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}
