import type { FastifyBaseLogger } from 'fastify';
import type { Metrics } from '../../platform/observability/metrics.js';
import type { Kysely } from 'kysely';
import type { Config } from '../../platform/config/config.js';
import type { Db } from '../../platform/db/database.js';
import type { Database } from '../../platform/db/schema.js';
import { WebhookDispatcher } from './dispatcher.js';
import { WebhookEndpoints } from './endpoints.js';
import type { BillingEvent } from './events.js';
import { enqueueEvents } from './outbox.js';
import { purgeWebhookHistory } from './retention.js';

/** Billing webhooks: the outbox the billing engine writes to, the endpoints, and the dispatcher that sends. */
export interface WebhooksModule {
  /** Records events and their deliveries; `db` may be the caller's transaction. */
  enqueue(db: Kysely<Database>, events: readonly BillingEvent[], now: number): Promise<void>;
  endpoints: WebhookEndpoints;
  dispatcher: WebhookDispatcher;
  /** Starts this process' dispatcher (roles all and worker). */
  startDispatcher(log: FastifyBaseLogger, metrics?: Metrics): void;
  /** Wakes the dispatcher after events were committed; a no-op where none runs. */
  kick(): void;
  /** Stops the dispatcher, if any, once its attempts in flight are recorded. */
  stop(): Promise<void>;
  /** Deletes the delivery log older than PSIF_WEBHOOK_HISTORY_DAYS. */
  housekeeping(now?: number): Promise<{ deliveries: number; events: number }>;
}

export function createWebhooksModule(db: Db, config: Config, sealKey: Buffer, version: string): WebhooksModule {
  const dispatcher = new WebhookDispatcher({ db: db.kysely, backend: db.backend, config: config.billing, sealKey, userAgent: `psif-webhooks/${version}` });
  return {
    enqueue: enqueueEvents,
    endpoints: new WebhookEndpoints(db.kysely, sealKey),
    dispatcher,
    startDispatcher: (log, metrics) => dispatcher.start(log, metrics),
    kick: () => dispatcher.kick(),
    stop: () => dispatcher.stop(),
    housekeeping: (now = Date.now()) => purgeWebhookHistory(db.kysely, now - config.billing.webhookHistoryDays * 86_400_000),
  };
}
