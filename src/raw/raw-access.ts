import type { Kysely } from 'kysely';
import type { Principal } from '../auth/model.js';
import type { Content } from '../catalog/catalog.js';
import { ApiError } from '../platform/http/api-error.js';
import type { Database } from '../platform/db/schema.js';

/**
 * Who may read a shop content (spec README, "Tenancy"): a vendor, while the shop has an active consent
 * covering the content for one of the vendor's modules. Checked on every request, uncached, so a revoked
 * consent answers 403 on the very next request. An unknown shop answers like a shop without consent, so
 * the API does not tell which shop ids exist.
 */
export class RawAccess {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly options: { adminOverride: boolean },
  ) {}

  async check(principal: Principal | undefined, shopId: string, content: Content): Promise<void> {
    if (!principal) throw new ApiError(401, 'unauthorized', 'an access token is required');
    if (principal.kind === 'admin') {
      if (this.options.adminOverride) return;
      throw new ApiError(403, 'forbidden', 'admin tokens read the Raw API only when PSIF_RAW_ADMIN_ACCESS=true');
    }
    if (principal.kind !== 'vendor') throw new ApiError(403, 'forbidden', `the Raw API is for vendor clients, not ${principal.kind} clients`);
    const vendorAudience = `tech-vendor/${principal.name}`;
    if (!principal.audiences.includes(vendorAudience)) throw new ApiError(403, 'forbidden', `the token must carry the audience ${vendorAudience}`);
    const granted = await this.db
      .selectFrom('consents as c')
      .innerJoin('modules as m', 'm.name', 'c.module_name')
      .select('c.consent')
      .where('c.shop_id', '=', shopId)
      .where('m.vendor_client_id', '=', principal.clientId)
      .where('c.consent', '=', content.consent)
      .limit(1)
      .executeTakeFirst();
    if (!granted) {
      throw new ApiError(403, 'consent_missing', `shop ${shopId} has not given the "${content.consent}" consent to any module of ${principal.name}`, { consent: content.consent });
    }
  }
}
