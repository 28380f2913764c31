import type { Kysely } from 'kysely';
import type { Principal } from '../auth/model.js';
import type { Catalog, Content } from '../catalog/catalog.js';
import type { Database } from '../platform/db/schema.js';
import { ApiError } from '../platform/http/api-error.js';

/**
 * Who reads the reports: a vendor, who sees the shops consenting to its modules, or an operator (admin
 * client), who sees every shop, every module and every vendor.
 */
export interface Viewer {
  kind: 'vendor' | 'admin';
  clientId: string;
  name: string;
}

/** What one viewer may see of one shop: the shop itself and the contents the consents it may see cover. */
export interface ShopScope {
  shopId: string;
  url: string;
  /** ISO codes, default first. */
  languages: string[];
  consents: ReadonlySet<string>;
  /** The contents those consents cover, in catalog order. */
  contents: Content[];
  /** The vendor whose modules' consents count; null for an operator (every module's). */
  vendorClientId: string | null;
}

/**
 * Who may read a shop's sync reports (spec README, "Tenancy"): a vendor, while the shop has at least one
 * consent for one of the vendor's modules; content-level figures only for the contents those consents
 * cover. Checked on every request, uncached, so a revoked consent answers 403 on the very next request. An
 * unknown shop answers like a shop without consent, so the API does not tell vendors which shop ids exist.
 * Operators see every shop (404 `shop_not_found` for an unknown one) and the contents any module may read.
 */
export class ReportingAccess {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly catalog: Catalog,
  ) {}

  /** The caller: a vendor token must carry `tech-vendor/<name>` like the Raw API's; admin tokens pass as they are. */
  viewer(principal: Principal | undefined): Viewer {
    if (!principal) throw new ApiError(401, 'unauthorized', 'an access token is required');
    if (principal.kind === 'admin') return { kind: 'admin', clientId: principal.clientId, name: principal.name };
    if (principal.kind !== 'vendor') throw new ApiError(403, 'forbidden', `the Reporting API is for vendor and admin clients, not ${principal.kind} clients`);
    const vendorAudience = `tech-vendor/${principal.name}`;
    if (!principal.audiences.includes(vendorAudience)) throw new ApiError(403, 'forbidden', `the token must carry the audience ${vendorAudience}`);
    return { kind: 'vendor', clientId: principal.clientId, name: principal.name };
  }

  /**
   * The vendor a `vendorId` names (client id or vendor name). A vendor names itself only (403 otherwise);
   * an operator names any vendor (404 `vendor_not_found` for none).
   */
  async vendorNamed(viewer: Viewer, vendorId: string): Promise<{ clientId: string; name: string }> {
    if (viewer.kind === 'vendor') {
      if (vendorId !== viewer.clientId && vendorId !== viewer.name) {
        throw new ApiError(403, 'forbidden', `a vendor reads its own reports only: use your client id or "${viewer.name}" as vendorId`);
      }
      return viewer;
    }
    const vendor = await this.db
      .selectFrom('oauth_clients')
      .select(['client_id', 'name'])
      .where('kind', '=', 'vendor')
      .where((eb) => eb.or([eb('client_id', '=', vendorId), eb('name', '=', vendorId)]))
      .executeTakeFirst();
    if (!vendor) throw ApiError.notFound('vendor_not_found', `no vendor client "${vendorId}"`);
    return { clientId: vendor.client_id, name: vendor.name };
  }

  async shop(viewer: Viewer, shopId: string): Promise<ShopScope> {
    if (viewer.kind === 'admin') return this.anyShop(shopId);
    const rows = await this.db
      .selectFrom('shops as s')
      .innerJoin('consents as c', 'c.shop_id', 's.shop_id')
      .innerJoin('modules as m', 'm.name', 'c.module_name')
      .select(['s.url', 's.languages', 'c.consent'])
      .where('s.shop_id', '=', shopId)
      .where('m.vendor_client_id', '=', viewer.clientId)
      .execute();
    const first = rows[0];
    if (!first) throw new ApiError(403, 'consent_missing', `shop ${shopId} has not given any consent to a module of ${viewer.name}`);
    return this.scope(shopId, first, rows.map((r) => r.consent), viewer.clientId);
  }

  private async anyShop(shopId: string): Promise<ShopScope> {
    const shop = await this.db.selectFrom('shops').select(['url', 'languages']).where('shop_id', '=', shopId).executeTakeFirst();
    if (!shop) throw ApiError.notFound('shop_not_found', `no shop ${shopId}`);
    const consents = await this.db.selectFrom('consents').select('consent').distinct().where('shop_id', '=', shopId).execute();
    return this.scope(shopId, shop, consents.map((r) => r.consent), null);
  }

  private scope(shopId: string, shop: { url: string; languages: string }, consentList: string[], vendorClientId: string | null): ShopScope {
    const consents = new Set(consentList);
    return {
      shopId,
      url: shop.url,
      languages: JSON.parse(shop.languages) as string[],
      consents,
      contents: this.catalog.contents.filter((c) => consents.has(c.consent)),
      vendorClientId,
    };
  }

  /** A content named in kebab-case or snake_case, which the consents of the scope must cover. */
  content(scope: ShopScope, name: string): Content {
    const content = this.catalog.byPathOrName(name);
    if (!content) throw ApiError.badRequest('unknown_content', `unknown shop content "${name}"`, { field: 'shopContent' });
    if (!scope.consents.has(content.consent)) {
      const whose = scope.vendorClientId === null ? 'any module' : 'any of your modules';
      throw new ApiError(403, 'consent_missing', `shop ${scope.shopId} has not given the "${content.consent}" consent to ${whose}`, { consent: content.consent });
    }
    return content;
  }
}
