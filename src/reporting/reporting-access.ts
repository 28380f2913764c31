import type { Kysely } from 'kysely';
import type { Principal } from '../auth/model.js';
import type { Catalog, Content } from '../catalog/catalog.js';
import type { Database } from '../platform/db/schema.js';
import { ApiError } from '../platform/http/api-error.js';

/** The vendor behind a request, once its token has passed the checks below. */
export interface Vendor {
  clientId: string;
  name: string;
}

/** What one vendor may see of one shop: the shop itself and the contents its consents cover. */
export interface ShopScope {
  shopId: string;
  url: string;
  /** ISO codes, default first. */
  languages: string[];
  consents: ReadonlySet<string>;
  /** The contents the vendor's consents cover, in catalog order. */
  contents: Content[];
}

/**
 * Who may read a shop's sync reports (spec README, "Tenancy"): a vendor, while the shop has at least one
 * consent for one of the vendor's modules; content-level figures only for the contents those consents
 * cover. Checked on every request, uncached, so a revoked consent answers 403 on the very next request. An
 * unknown shop answers like a shop without consent, so the API does not tell which shop ids exist.
 */
export class ReportingAccess {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly catalog: Catalog,
  ) {}

  /** The caller as a vendor: its token must carry `tech-vendor/<name>` like the Raw API's. */
  vendor(principal: Principal | undefined): Vendor {
    if (!principal) throw new ApiError(401, 'unauthorized', 'an access token is required');
    if (principal.kind !== 'vendor') throw new ApiError(403, 'forbidden', `the Reporting API is for vendor clients, not ${principal.kind} clients`);
    const vendorAudience = `tech-vendor/${principal.name}`;
    if (!principal.audiences.includes(vendorAudience)) throw new ApiError(403, 'forbidden', `the token must carry the audience ${vendorAudience}`);
    return { clientId: principal.clientId, name: principal.name };
  }

  /** `vendorId` of the vendor routes names the caller itself: its client id or its vendor name. */
  requireSelf(vendor: Vendor, vendorId: string): void {
    if (vendorId !== vendor.clientId && vendorId !== vendor.name) {
      throw new ApiError(403, 'forbidden', `a vendor reads its own reports only: use your client id or "${vendor.name}" as vendorId`);
    }
  }

  async shop(vendor: Vendor, shopId: string): Promise<ShopScope> {
    const rows = await this.db
      .selectFrom('shops as s')
      .innerJoin('consents as c', 'c.shop_id', 's.shop_id')
      .innerJoin('modules as m', 'm.name', 'c.module_name')
      .select(['s.url', 's.languages', 'c.consent'])
      .where('s.shop_id', '=', shopId)
      .where('m.vendor_client_id', '=', vendor.clientId)
      .execute();
    const first = rows[0];
    if (!first) throw new ApiError(403, 'consent_missing', `shop ${shopId} has not given any consent to a module of ${vendor.name}`);
    const consents = new Set(rows.map((r) => r.consent));
    return {
      shopId,
      url: first.url,
      languages: JSON.parse(first.languages) as string[],
      consents,
      contents: this.catalog.contents.filter((c) => consents.has(c.consent)),
    };
  }

  /** A content named in kebab-case or snake_case, which the vendor's consents must cover. */
  content(scope: ShopScope, vendor: Vendor, name: string): Content {
    const content = this.catalog.byPathOrName(name);
    if (!content) throw ApiError.badRequest('unknown_content', `unknown shop content "${name}"`, { field: 'shopContent' });
    if (!scope.consents.has(content.consent)) {
      throw new ApiError(403, 'consent_missing', `shop ${scope.shopId} has not given the "${content.consent}" consent to any module of ${vendor.name}`, { consent: content.consent });
    }
    return content;
  }
}
