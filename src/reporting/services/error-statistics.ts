import { type Expression, type Kysely, type SqlBool, sql } from 'kysely';
import type { Catalog } from '../../catalog/catalog.js';
import type { Database } from '../../platform/db/schema.js';
import { isoInstant } from '../../platform/time/iso-instant.js';
import { errorCodeInfo } from '../../sync/error-codes.js';
import type { ReportWindow } from '../report-window.js';

/** Whose errors: one shop's, for the contents a vendor may see, or those of every shop consenting to a vendor. */
export type ErrorScope = { shopId: string; contents: readonly string[] } | { vendorClientId: string };

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
 * are counted (the content → consent mapping of the catalog, as a CASE expression).
 */
export class ErrorStatistics {
  private readonly consentOfContent: Expression<string>;

  constructor(
    private readonly db: Kysely<Database>,
    catalog: Catalog,
  ) {
    const branches = catalog.contents.map((content) => {
      for (const name of [content.name, content.consent]) if (!/^[a-z_]+$/.test(name)) throw new Error(`catalog name "${name}" cannot be written in SQL`);
      return `WHEN '${content.name}' THEN '${content.consent}'`;
    });
    this.consentOfContent = sql<string>`CASE ${sql.ref('e.content')} ${sql.raw(branches.join(' '))} END`;
  }

  async totals(scope: ErrorScope, window: ReportWindow): Promise<ErrorCount[]> {
    const rows = await this.scoped(scope, window)
      .select((eb) => ['e.code', eb.fn.countAll<number | string>().as('n')])
      .groupBy('e.code')
      .execute();
    return rows
      .map((row) => ({ code: httpCode(row.code), distribution: Number(row.n), description: errorCodeInfo(row.code).description, errorCode: row.code }))
      .sort((a, b) => b.distribution - a.distribution || (a.errorCode < b.errorCode ? -1 : 1));
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
    let query = this.db.selectFrom('sync_errors as e').where('e.at', '>=', window.start).where('e.at', '<', window.end);
    if ('shopId' in scope) {
      if (scope.contents.length === 0) return query.where(sql<SqlBool>`1 = 0`);
      return query.where('e.shop_id', '=', scope.shopId).where('e.content', 'in', scope.contents);
    }
    query = query.where(({ exists, selectFrom }) =>
      exists(
        selectFrom('consents as c')
          .innerJoin('modules as m', 'm.name', 'c.module_name')
          .select(sql.lit(1).as('one'))
          .whereRef('c.shop_id', '=', 'e.shop_id')
          .where('m.vendor_client_id', '=', scope.vendorClientId)
          .where('c.consent', '=', this.consentOfContent),
      ),
    );
    return query;
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
