import { type Kysely, sql } from 'kysely';
import type { Catalog } from '../../catalog/catalog.js';
import type { Database } from '../../platform/db/schema.js';
import { isoInstant } from '../../platform/time/iso-instant.js';
import type { ShopScope } from '../reporting-access.js';
import { instantOrNull } from './sync-overview.js';

const DAY_MS = 86_400_000;

/** `%` and `_` of a search term match themselves, not any text. */
function likePattern(term: string): string {
  return `%${term.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/**
 * The shops a viewer may open, with what a list needs at a glance: country, the modules holding consents,
 * the last successful pull, errors of the last 24 hours and the last health probe. A vendor lists the shops
 * consenting to its modules (and sees only its modules' consents); an operator lists every shop.
 */
export class ShopDirectory {
  private readonly infoTable: string;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly catalog: Catalog,
  ) {
    this.infoTable = catalog.byPathOrName('info')!.table;
  }

  async list(input: { vendorClientId: string | null; q?: string | undefined; limit: number; offset: number; now?: number }) {
    const { vendorClientId, limit, offset } = input;
    const now = input.now ?? Date.now();
    let shops = this.db.selectFrom('shops as s');
    if (vendorClientId !== null) {
      shops = shops.where(({ exists, selectFrom }) =>
        exists(
          selectFrom('consents as c')
            .innerJoin('modules as m', 'm.name', 'c.module_name')
            .select(sql.lit(1).as('one'))
            .whereRef('c.shop_id', '=', 's.shop_id')
            .where('m.vendor_client_id', '=', vendorClientId),
        ),
      );
    }
    if (input.q) {
      const pattern = likePattern(input.q);
      shops = shops.where((eb) => eb.or([eb(sql`LOWER(s.url)`, 'like', sql`${pattern} ESCAPE '\\'`), eb(sql`LOWER(s.shop_id)`, 'like', sql`${pattern} ESCAPE '\\'`)]));
    }
    const [page, count] = await Promise.all([
      shops.select(['s.shop_id', 's.url', 's.created_at']).orderBy('s.created_at', 'desc').orderBy('s.shop_id').limit(limit).offset(offset).execute(),
      shops.select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirst(),
    ]);
    const ids = page.map((s) => s.shop_id);
    if (ids.length === 0) return { items: [], total: Number(count?.n ?? 0), limit, offset };

    const [consents, countries, lastSync, errors, health] = await Promise.all([
      this.db
        .selectFrom('consents as c')
        .innerJoin('modules as m', 'm.name', 'c.module_name')
        .select(['c.shop_id', 'c.module_name', 'c.consent'])
        .where('c.shop_id', 'in', ids)
        .$if(vendorClientId !== null, (qb) => qb.where('m.vendor_client_id', '=', vendorClientId!))
        .orderBy('c.module_name')
        .orderBy('c.consent')
        .execute(),
      sql<{ shop_id: string; country: string | null }>`SELECT shop_id, UPPER(country_code) AS country FROM ${sql.table(this.infoTable)} WHERE shop_id IN (${sql.join(ids)}) AND NOT sys_deleted`.execute(this.db),
      this.db.selectFrom('sync_state').select(['shop_id', (eb) => eb.fn.max('last_success_at').as('at')]).where('shop_id', 'in', ids).groupBy('shop_id').execute(),
      this.db.selectFrom('sync_errors').select(['shop_id', 'content']).where('shop_id', 'in', ids).where('at', '>=', now - DAY_MS).execute(),
      this.db.selectFrom('shop_health').select(['shop_id', 'healthy', 'checked_at']).where('shop_id', 'in', ids).execute(),
    ]);
    const countryOf = new Map(countries.rows.map((r) => [r.shop_id, r.country || null]));
    const lastSyncOf = new Map(lastSync.map((r) => [r.shop_id, r.at === null ? null : Number(r.at)]));
    const healthOf = new Map(health.map((r) => [r.shop_id, r]));
    return {
      items: page.map((shop) => {
        const mine = consents.filter((c) => c.shop_id === shop.shop_id);
        const modules = new Map<string, string[]>();
        for (const c of mine) modules.set(c.module_name, [...(modules.get(c.module_name) ?? []), c.consent]);
        // A vendor counts the errors of the contents its consents cover, as the error reports do.
        const visible = new Set(this.catalog.contents.filter((content) => mine.some((c) => c.consent === content.consent)).map((c) => c.name));
        const probe = healthOf.get(shop.shop_id);
        return {
          shopId: shop.shop_id,
          url: shop.url,
          country: countryOf.get(shop.shop_id) ?? null,
          modules: [...modules].map(([name, granted]) => ({ name, consents: granted })),
          lastSyncAt: instantOrNull(lastSyncOf.get(shop.shop_id)),
          errors24h: errors.filter((e) => e.shop_id === shop.shop_id && (vendorClientId === null || visible.has(e.content))).length,
          healthy: probe ? Boolean(probe.healthy) : null,
          checkedAt: probe ? isoInstant(Number(probe.checked_at)) : null,
        };
      }),
      total: Number(count?.n ?? 0),
      limit,
      offset,
    };
  }

  /** The consents the scope's viewer may see (its modules', or every module's), with their log, newest first. */
  async consents(scope: ShopScope, eventLimit = 100) {
    const { vendorClientId } = scope;
    const [current, events] = await Promise.all([
      this.db
        .selectFrom('consents as c')
        .innerJoin('modules as m', 'm.name', 'c.module_name')
        .select(['c.module_name', 'c.consent', 'c.granted_at'])
        .where('c.shop_id', '=', scope.shopId)
        .$if(vendorClientId !== null, (qb) => qb.where('m.vendor_client_id', '=', vendorClientId!))
        .orderBy('c.module_name')
        .orderBy('c.consent')
        .execute(),
      this.db
        .selectFrom('consent_events as e')
        .innerJoin('modules as m', 'm.name', 'e.module_name')
        .select(['e.module_name', 'e.consent', 'e.action', 'e.via', 'e.at'])
        .where('e.shop_id', '=', scope.shopId)
        .$if(vendorClientId !== null, (qb) => qb.where('m.vendor_client_id', '=', vendorClientId!))
        .orderBy('e.at', 'desc')
        .orderBy('e.event_id', 'desc')
        .limit(eventLimit)
        .execute(),
    ]);
    const names = [...new Set([...current.map((c) => c.module_name), ...events.map((e) => e.module_name)])].sort();
    return {
      shopId: scope.shopId,
      modules: names.map((module) => ({
        module,
        consents: current.filter((c) => c.module_name === module).map((c) => ({ consent: c.consent, grantedAt: isoInstant(Number(c.granted_at)) })),
        events: events.filter((e) => e.module_name === module).map((e) => ({ consent: e.consent, action: e.action, via: e.via, at: isoInstant(Number(e.at)) })),
      })),
    };
  }
}
