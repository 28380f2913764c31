import type { Kysely } from 'kysely';
import type { Database } from '../../platform/db/schema.js';
import { ApiError } from '../../platform/http/api-error.js';
import { errorCodeInfo } from '../../sync/error-codes.js';
import type { ShopScope } from '../reporting-access.js';
import { instantOrNull } from './sync-overview.js';

/**
 * The orchestrator's last apiHealthCheck probe of a shop (cloudsync-protocol §3.2, §7). The shop's answer
 * is passed on field by field, each with its documented type or null: it is the shop's text, and only the
 * fields the module defines are served.
 */
export class ShopHealth {
  constructor(private readonly db: Kysely<Database>) {}

  async last(scope: ShopScope) {
    const row = await this.db.selectFrom('shop_health').selectAll().where('shop_id', '=', scope.shopId).executeTakeFirst();
    if (!row) throw ApiError.notFound('health_unknown', `shop ${scope.shopId} has not been probed yet`);
    return {
      shopId: scope.shopId,
      checkedAt: instantOrNull(row.checked_at)!,
      healthy: Number(row.healthy) === 1,
      latencyMs: Number(row.latency_ms),
      httpStatus: row.http_status === null ? null : Number(row.http_status),
      lastHealthyAt: instantOrNull(row.last_healthy_at),
      error: row.error_code === null ? null : { code: row.error_code, message: row.error_message, description: errorCodeInfo(row.error_code).description },
      report: healthReport(row.report),
    };
  }
}

function healthReport(text: string | null) {
  if (text === null) return null;
  let answer: unknown;
  try {
    answer = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof answer !== 'object' || answer === null || Array.isArray(answer)) return null;
  const field = (name: string) => (answer as Record<string, unknown>)[name];
  const env = field('env');
  const envField = (name: string) => (typeof env === 'object' && env !== null ? textOrNull((env as Record<string, unknown>)[name]) : null);
  return {
    prestashopVersion: textOrNull(field('prestashop_version')),
    psEventbusVersion: textOrNull(field('ps_eventbus_version')),
    // ps_eventbus writes false when ps_accounts has no VERSION constant.
    psAccountsVersion: textOrNull(field('ps_accounts_version')),
    phpVersion: textOrNull(field('php_version')),
    shopId: textOrNull(field('shop_id')),
    psAccount: flag(field('ps_account')),
    isValidJwt: flag(field('is_valid_jwt')),
    psEventbus: flag(field('ps_eventbus')),
    env: {
      proxyApiUrl: envField('EVENT_BUS_PROXY_API_URL'),
      syncApiUrl: envField('EVENT_BUS_SYNC_API_URL'),
      liveSyncApiUrl: envField('EVENT_BUS_LIVE_SYNC_API_URL'),
    },
  };
}

function textOrNull(value: unknown): string | null {
  return typeof value === 'string' ? value.slice(0, 2048) : null;
}

function flag(value: unknown): boolean | null {
  return typeof value === 'boolean' ? value : null;
}
