import type { Kysely } from 'kysely';
import type { Content } from '../../catalog/catalog.js';
import type { Database } from '../../platform/db/schema.js';
import { isoInstant } from '../../platform/time/iso-instant.js';
import type { ShopScope } from '../reporting-access.js';

/**
 * The three shop-level reports of PrestaShop's Reporting API (cloudsync-protocol §8.2), in the Go client's
 * shapes: what is synced for the vendor (setup), when a content was synced (summary), and when the shop
 * onboarded the vendor's modules (onboarding).
 */
export class SyncOverview {
  constructor(private readonly db: Kysely<Database>) {}

  setup(scope: ShopScope) {
    return { targetUrl: scope.url, shopContent: scope.contents.map((c) => c.name), shopLanguages: scope.languages };
  }

  /**
   * `firstSyncFinishedAt`: when the content's first full sync had finished in every language it is pulled
   * in (the shop's languages for per-language contents; any one language otherwise). `lastSyncFinishedAt`:
   * the last full or incremental pull of the content that finished, in any language.
   */
  async summary(scope: ShopScope, content: Content) {
    const rows = await this.db
      .selectFrom('sync_state')
      .select(['lang_iso', 'first_full_sync_finished_at', 'last_full_sync_finished_at', 'last_incremental_at'])
      .where('shop_id', '=', scope.shopId)
      .where('content', '=', content.name)
      .execute();
    let first: number | null = null;
    if (content.perLanguage) {
      const finished = new Map(rows.map((r) => [r.lang_iso, r.first_full_sync_finished_at]));
      const perLanguage = scope.languages.map((lang) => finished.get(lang) ?? null);
      first = perLanguage.length > 0 && perLanguage.every((at) => at !== null) ? Math.max(...(perLanguage as number[])) : null;
    } else {
      first = minimum(rows.map((r) => r.first_full_sync_finished_at));
    }
    const last = maximum(rows.flatMap((r) => [r.last_full_sync_finished_at, r.last_incremental_at]));
    return { firstSyncFinishedAt: instantOrNull(first), lastSyncFinishedAt: instantOrNull(last), shopContent: content.name };
  }

  /**
   * An onboarding is the moment a module's consent set went from empty to non-empty: the grant of `info`,
   * which is part of every non-empty set and granted only then. First and last over the vendor's modules
   * (every module for an operator).
   */
  async onboarding(scope: ShopScope) {
    const { vendorClientId } = scope;
    const row = await this.db
      .selectFrom('consent_events as e')
      .innerJoin('modules as m', 'm.name', 'e.module_name')
      .select((eb) => [eb.fn.min<number | string | null>('e.at').as('first'), eb.fn.max<number | string | null>('e.at').as('last')])
      .where('e.shop_id', '=', scope.shopId)
      .$if(vendorClientId !== null, (qb) => qb.where('m.vendor_client_id', '=', vendorClientId!))
      .where('e.consent', '=', 'info')
      .where('e.action', '=', 'granted')
      .executeTakeFirst();
    return { firstOnboarding: instantOrNull(numberOrNull(row?.first)), lastOnboarding: instantOrNull(numberOrNull(row?.last)), targetUrl: scope.url };
  }
}

export function instantOrNull(ms: number | null | undefined): string | null {
  return ms === null || ms === undefined ? null : isoInstant(Number(ms));
}

function numberOrNull(value: number | string | null | undefined): number | null {
  return value === null || value === undefined ? null : Number(value);
}

function minimum(values: (number | null)[]): number | null {
  const present = values.filter((v): v is number => v !== null);
  return present.length === 0 ? null : Math.min(...present.map(Number));
}

function maximum(values: (number | null)[]): number | null {
  const present = values.filter((v): v is number => v !== null);
  return present.length === 0 ? null : Math.max(...present.map(Number));
}
