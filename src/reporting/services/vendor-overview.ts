import { type Kysely, type SqlBool, sql } from 'kysely';
import type { Catalog } from '../../catalog/catalog.js';
import type { Database } from '../../platform/db/schema.js';
import { isoInstant } from '../../platform/time/iso-instant.js';
import type { ReportWindow } from '../report-window.js';
import type { ConsentCoverage } from './consent-coverage.js';
import type { ErrorStatistics } from './error-statistics.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** Hourly buckets up to three days, daily beyond: a chart keeps between 1 and 90 or so points. */
export function bucketOf(window: ReportWindow): { name: 'hour' | 'day'; ms: number } {
  return window.end - window.start <= 3 * DAY_MS ? { name: 'hour', ms: HOUR_MS } : { name: 'day', ms: DAY_MS };
}

/**
 * The sync KPIs of the console's dashboard, for one vendor (the shops and contents its modules' consents
 * cover) or for every vendor (`vendorClientId: null`, operators).
 *
 * An installation is a (shop, module) pair whose consent log shows the module was onboarded: active while
 * the shop holds at least one consent for it, inactive once every consent was revoked. Countries come from
 * the shops' synced `info` content (`country_code`), "unknown" before it is synced.
 */
export class VendorOverview {
  private readonly infoTable: string;

  constructor(
    private readonly db: Kysely<Database>,
    catalog: Catalog,
    private readonly coverage: ConsentCoverage,
    private readonly errors: ErrorStatistics,
  ) {
    const info = catalog.byPathOrName('info');
    if (!info) throw new Error('the catalog has no info content');
    this.infoTable = info.table;
  }

  async sync(vendorClientId: string | null, window: ReportWindow) {
    const bucket = bucketOf(window);
    const [modules, shops, countries, volume, errors] = await Promise.all([
      this.installations(vendorClientId),
      this.shopCount(vendorClientId),
      this.countries(vendorClientId),
      this.volume(vendorClientId, window, bucket.ms),
      this.errors.series({ vendorClientId }, window, bucket.ms),
    ]);
    const first = Math.floor(window.start / bucket.ms) * bucket.ms;
    const syncVolume = [];
    for (let at = first; at < window.end; at += bucket.ms) syncVolume.push({ at: isoInstant(at), objects: volume.get(at) ?? 0, errors: errors.get(at) ?? 0 });
    return {
      start: isoInstant(window.start),
      end: isoInstant(window.end),
      bucket: bucket.name,
      shops,
      modules,
      installations: {
        active: modules.reduce((sum, m) => sum + m.activeInstallations, 0),
        inactive: modules.reduce((sum, m) => sum + m.inactiveInstallations, 0),
      },
      shopsByCountry: countries,
      syncVolume,
    };
  }

  private async installations(vendorClientId: string | null) {
    const { rows } = await sql<{ name: string; vendor: string; active: number | string | null; inactive: number | string | null }>`
      SELECT m.name AS name, m.vendor_client_id AS vendor,
        SUM(CASE WHEN i.shop_id IS NOT NULL AND i.live = 1 THEN 1 ELSE 0 END) AS active,
        SUM(CASE WHEN i.shop_id IS NOT NULL AND i.live = 0 THEN 1 ELSE 0 END) AS inactive
      FROM ${sql.table('modules')} m
      LEFT JOIN (
        SELECT DISTINCT e.shop_id, e.module_name,
          CASE WHEN EXISTS (SELECT 1 FROM ${sql.table('consents')} c WHERE c.shop_id = e.shop_id AND c.module_name = e.module_name) THEN 1 ELSE 0 END AS live
        FROM ${sql.table('consent_events')} e JOIN ${sql.table('shops')} s ON s.shop_id = e.shop_id
        WHERE e.action = 'granted'
      ) i ON i.module_name = m.name
      WHERE ${vendorClientId === null ? sql<SqlBool>`1 = 1` : sql<SqlBool>`m.vendor_client_id = ${vendorClientId}`}
      GROUP BY m.name, m.vendor_client_id
      ORDER BY m.name`.execute(this.db);
    return rows.map((r) => ({ name: r.name, vendorClientId: r.vendor, activeInstallations: Number(r.active ?? 0), inactiveInstallations: Number(r.inactive ?? 0) }));
  }

  /** The shops a vendor's modules hold a consent in (every registered shop for operators). */
  private visibleShops(vendorClientId: string | null) {
    if (vendorClientId === null) return this.db.selectFrom('shops').select('shop_id');
    return this.db
      .selectFrom('consents as c')
      .innerJoin('modules as m', 'm.name', 'c.module_name')
      .innerJoin('shops as s', 's.shop_id', 'c.shop_id')
      .select('c.shop_id')
      .distinct()
      .where('m.vendor_client_id', '=', vendorClientId);
  }

  private async shopCount(vendorClientId: string | null): Promise<number> {
    const row = await this.db
      .selectFrom(this.visibleShops(vendorClientId).as('v'))
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  private async countries(vendorClientId: string | null) {
    const { rows } = await sql<{ country: string | null; n: number | string }>`
      SELECT UPPER(i.country_code) AS country, COUNT(*) AS n
      FROM (${this.visibleShops(vendorClientId)}) v
      LEFT JOIN ${sql.table(this.infoTable)} i ON i.shop_id = v.shop_id AND NOT i.sys_deleted
      GROUP BY UPPER(i.country_code)`.execute(this.db);
    return rows
      .map((r) => ({ country: r.country || 'unknown', shops: Number(r.n) }))
      .sort((a, b) => b.shops - a.shops || a.country.localeCompare(b.country));
  }

  /** Objects pulled per bucket, by the pulls' end (finished pulls only), of the contents the consents cover. */
  private async volume(vendorClientId: string | null, window: ReportWindow, bucketMs: number): Promise<Map<number, number>> {
    const bucket = sql<number | string>`${sql.ref('t.finished_at')} / ${sql.raw(String(bucketMs))}`;
    const rows = await this.db
      .selectFrom('sync_tasks as t')
      .select((eb) => [bucket.as('bucket'), eb.fn.sum<number | string>('t.objects').as('objects')])
      .where('t.finished_at', '>=', window.start)
      .where('t.finished_at', '<', window.end)
      .$if(vendorClientId !== null, (qb) => qb.where(this.coverage.byVendor('t', vendorClientId!)))
      .groupBy(bucket)
      .execute();
    return new Map(rows.map((r) => [Math.floor(Number(r.bucket)) * bucketMs, Number(r.objects ?? 0)]));
  }
}
