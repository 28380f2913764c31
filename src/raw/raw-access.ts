import type { Principal } from '../auth/model.js';
import type { Content } from '../catalog/catalog.js';
import { type Backend, placeholders } from '../platform/db/database.js';
import type { ReadQuery } from '../platform/db/read-query.js';
import { ApiError } from '../platform/http/api-error.js';

/**
 * Who may read a shop content (spec README, "Tenancy"): a vendor, while the shop has an active consent
 * covering the content for one of the vendor's modules. Checked on every request, uncached, so a revoked
 * consent answers 403 on the very next request. An unknown shop answers like a shop without consent, so
 * the API does not tell which shop ids exist.
 */
export class RawAccess {
  private readonly grantSql: string;

  constructor(
    private readonly read: ReadQuery,
    backend: Backend,
    private readonly options: { adminOverride: boolean },
  ) {
    const p = placeholders(backend);
    this.grantSql = `SELECT 1 AS "granted" FROM "consents" AS "c" INNER JOIN "modules" AS "m" ON "m"."name" = "c"."module_name" WHERE "c"."shop_id" = ${p()} AND "m"."vendor_client_id" = ${p()} AND "c"."consent" = ${p()} LIMIT 1`;
  }

  async check(principal: Principal | undefined, shopId: string, content: Content): Promise<void> {
    if (!principal) throw new ApiError(401, 'unauthorized', 'an access token is required');
    if (principal.kind === 'admin') {
      if (this.options.adminOverride) return;
      throw new ApiError(403, 'forbidden', 'admin tokens read the Raw API only when PSIF_RAW_ADMIN_ACCESS=true');
    }
    if (principal.kind !== 'vendor') throw new ApiError(403, 'forbidden', `the Raw API is for vendor clients, not ${principal.kind} clients`);
    const vendorAudience = `tech-vendor/${principal.name}`;
    if (!principal.audiences.includes(vendorAudience)) throw new ApiError(403, 'forbidden', `the token must carry the audience ${vendorAudience}`);
    const granted = await this.read(this.grantSql, [shopId, principal.clientId, content.consent]);
    if (granted.length === 0) {
      throw new ApiError(403, 'consent_missing', `shop ${shopId} has not given the "${content.consent}" consent to any module of ${principal.name}`, { consent: content.consent });
    }
  }
}
