import { type Kysely, type SqlBool, sql } from 'kysely';
import type { Database } from '../../platform/db/schema.js';
import { isoInstant } from '../../platform/time/iso-instant.js';
import { errorCodeInfo } from '../../sync/error-codes.js';
import type { ReportWindow } from '../report-window.js';
import type { ConsentCoverage } from './consent-coverage.js';

/**
 * Whose errors: one shop's, for the contents a viewer may see; those of every shop consenting to a vendor,
 * for the contents its consents cover; or every shop's (`vendorClientId: null`, operators).
 */
export type ErrorScope = { shopId: string; contents: readonly string[] } | { vendorClientId: string | null };

/** One code's count in a window, in the shape of PrestaShop's Reporting API (Go client `SyncError`) plus psif's code. */
export interface ErrorCount {
  /** An integer, as the Go client declares it: the HTTP status involved, 0 for failures without one. */
  code: number;
  /** How many failed calls had this code in the window. */
  distribution: number;
  description: string;
  /** psif's own code (the key of the error code table). */
  errorCode: string;
}

export interface HourlyErrorCount {
  /** Start of the UTC hour. */
  hour: string;
  code: string;
  count: number;
}

const HOUR_MS = 3_600_000;

/**
 * Counts of failed calls to shops (sync_errors) by code, over a window, in total or per hour. Queries are
 * served by the (shop_id, at) index for one shop and by the (at) index for a vendor's shops; a vendor's
 * shops are those with a consent for one of its modules, and only errors of contents such a consent covers
 * are counted (ConsentCoverage).
 */
export class ErrorStatistics {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly coverage: ConsentCoverage,
  ) {}

  async totals(scope: ErrorScope, window: ReportWindow): Promise<ErrorCount[]> {
    const rows = await this.scoped(scope, window)
      .select((eb) => ['e.code', eb.fn.countAll<number | string>().as('n')])
      .groupBy('e.code')
      .execute();
    return rows
      .map((row) => ({ code: httpCode(row.code), distribution: Number(row.n), description: errorCodeInfo(row.code).description, errorCode: row.code }))
      .sort((a, b) => b.distribution - a.distribution || (a.errorCode < b.errorCode ? -1 : 1));
  }

  /** Failed calls per bucket of `bucketMs` (aligned on the epoch, so hours and UTC days), every code together. */
  async series(scope: ErrorScope, window: ReportWindow, bucketMs: number): Promise<Map<number, number>> {
    const bucket = sql<number | string>`${sql.ref('e.at')} / ${sql.raw(String(bucketMs))}`;
    const rows = await this.scoped(scope, window)
      .select((eb) => [bucket.as('bucket'), eb.fn.countAll<number | string>().as('n')])
      .groupBy(bucket)
      .execute();
    return new Map(rows.map((row) => [Math.floor(Number(row.bucket)) * bucketMs, Number(row.n)]));
  }

  async hourly(scope: ErrorScope, window: ReportWindow): Promise<HourlyErrorCount[]> {
    // A literal divisor, not a bound parameter: PostgreSQL matches GROUP BY expressions by their text.
    const bucket = sql<number | string>`${sql.ref('e.at')} / ${sql.raw(String(HOUR_MS))}`;
    const rows = await this.scoped(scope, window)
      .select((eb) => [bucket.as('bucket'), 'e.code', eb.fn.countAll<number | string>().as('n')])
      .groupBy([bucket, 'e.code'])
      .execute();
    return rows
      .map((row) => ({ at: Number(row.bucket) * HOUR_MS, code: row.code, count: Number(row.n) }))
      .sort((a, b) => a.at - b.at || (a.code < b.code ? -1 : 1))
      .map(({ at, code, count }) => ({ hour: isoInstant(at), code, count }));
  }

  private scoped(scope: ErrorScope, window: ReportWindow) {
    const query = this.db.selectFrom('sync_errors as e').where('e.at', '>=', window.start).where('e.at', '<', window.end);
    if ('shopId' in scope) {
      if (scope.contents.length === 0) return query.where(sql<SqlBool>`1 = 0`);
      return query.where('e.shop_id', '=', scope.shopId).where('e.content', 'in', scope.contents);
    }
    const { vendorClientId } = scope;
    if (vendorClientId === null) return query;
    return query.where(this.coverage.byVendor('e', vendorClientId));
  }
}

/**
 * The integer `code` of PrestaShop's answer (the Go client decodes it into an `int`): a shop status is
 * itself; `collector_<status>` is that status, which ps_eventbus echoes as its own answer; a failure
 * without an HTTP answer (timeout, refused connection...) is 0, as ps_eventbus writes an unreachable
 * collector. `errorCode` keeps psif's exact code beside it.
 */
export function httpCode(code: string): number {
  const status = /^(?:collector_)?(\d{1,3})$/.exec(code);
  return status ? Number(status[1]) : 0;
}
