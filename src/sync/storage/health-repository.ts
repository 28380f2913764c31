import type { Kysely, Selectable } from 'kysely';
import type { Database, ShopHealthTable } from '../../platform/db/schema.js';

export type ShopHealth = Selectable<ShopHealthTable>;

/** The last apiHealthCheck probe of each shop. */
export class HealthRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async get(shopId: string): Promise<ShopHealth | undefined> {
    return this.db.selectFrom('shop_health').selectAll().where('shop_id', '=', shopId).executeTakeFirst();
  }

  async save(health: Omit<ShopHealth, 'last_healthy_at'>): Promise<void> {
    const lastHealthy = health.healthy ? health.checked_at : null;
    await this.db
      .insertInto('shop_health')
      .values({ ...health, last_healthy_at: lastHealthy })
      .onConflict((oc) =>
        oc.column('shop_id').doUpdateSet((eb) => ({
          checked_at: health.checked_at,
          healthy: health.healthy,
          latency_ms: health.latency_ms,
          http_status: health.http_status,
          error_code: health.error_code,
          error_message: health.error_message,
          report: health.report,
          last_healthy_at: lastHealthy ?? eb.ref('shop_health.last_healthy_at'),
        })),
      )
      .execute();
  }

  /** Shops with consents whose last probe is older than `before` (or that were never probed). */
  async due(before: number, limit: number): Promise<string[]> {
    const rows = await this.db
      .selectFrom('shops')
      .leftJoin('shop_health', 'shop_health.shop_id', 'shops.shop_id')
      .select('shops.shop_id')
      .where((eb) => eb.exists(eb.selectFrom('consents').select('consents.shop_id').whereRef('consents.shop_id', '=', 'shops.shop_id')))
      .where((eb) => eb.or([eb('shop_health.checked_at', 'is', null), eb('shop_health.checked_at', '<', before)]))
      .limit(limit)
      .execute();
    return rows.map((r) => r.shop_id);
  }
}
