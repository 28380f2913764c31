import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { FastifyBaseLogger } from 'fastify';
import type { Metrics } from '../../platform/observability/metrics.js';
import { type Kysely, sql } from 'kysely';
import type { BillingConfig } from '../../platform/config/config.js';
import { unseal } from '../../platform/crypto/seal.js';
import type { Backend } from '../../platform/db/database.js';
import type { Database } from '../../platform/db/schema.js';
import { newId } from '../model.js';
import { sign } from './signing.js';

export interface DispatcherDependencies {
  db: Kysely<Database>;
  backend: Backend;
  config: Pick<BillingConfig, 'webhookRetrySeconds' | 'webhookTimeoutMs' | 'webhookConcurrency' | 'webhookPollMs'>;
  sealKey: Buffer;
  userAgent: string;
}

interface ClaimedDelivery {
  delivery_id: string;
  event_id: string;
  endpoint_id: string;
  attempts: number;
  payload: string;
  url: string;
  secret_sealed: string;
}

interface Outcome {
  at: number;
  httpStatus: number | null;
  error: string | null;
  durationMs: number;
}

/** A receiver's answer kept in the delivery log: enough to debug, bounded against huge error pages. */
const RESPONSE_SNIPPET_BYTES = 512;
/** Beyond the timeout: an attempt cannot outlive its lease, so a lease only expires when its process died. */
const LEASE_MARGIN_MS = 60_000;

/**
 * Sends due webhook deliveries from the outbox. Several processes may run it on one database: a claim
 * leases a delivery to one process (locked_by, locked_until), and only the lease holder records the
 * outcome. A 2xx ends the delivery for good; a replay is the only way to send it again. A process that dies
 * mid-attempt leaves its lease to expire, then another process sends again (at-least-once).
 */
export class WebhookDispatcher {
  // Bounded: locked_by is a varchar(64).
  readonly id = `${hostname().slice(0, 40)}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private readonly inFlight = new Set<Promise<void>>();
  private log: FastifyBaseLogger | undefined;
  private metrics: Metrics | undefined;
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private kicked = false;
  private stopping = false;

  constructor(private readonly deps: DispatcherDependencies) {}

  private get running(): boolean {
    return this.log !== undefined && !this.stopping;
  }

  start(log: FastifyBaseLogger, metrics?: Metrics): void {
    if (this.log) return;
    this.log = log;
    this.metrics = metrics;
    log.info({ dispatcher: this.id, concurrency: this.deps.config.webhookConcurrency }, 'webhook dispatcher started');
    this.schedule(0);
  }

  /** Looks for due deliveries now rather than at the next poll (after events were committed). */
  kick(): void {
    if (!this.running) return;
    if (this.ticking) this.kicked = true;
    else this.schedule(0);
  }

  /** Stops claiming and waits for the attempts in flight to be sent and recorded. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.timer);
    await this.ticking;
    await Promise.allSettled([...this.inFlight]);
  }

  private schedule(delay: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.ticking = this.fill()
        .catch((error: unknown) => this.log?.error({ err: error, dispatcher: this.id }, 'webhook dispatcher round failed'))
        .finally(() => {
          this.ticking = undefined;
          const next = this.kicked ? 0 : this.deps.config.webhookPollMs;
          this.kicked = false;
          if (!this.stopping) this.schedule(next);
        });
    }, delay);
    this.timer.unref();
  }

  private async fill(): Promise<void> {
    while (!this.stopping) {
      const room = this.deps.config.webhookConcurrency - this.inFlight.size;
      // Refill by half batches rather than a claim per finished attempt: a claim costs two statements.
      if (room <= 0 || (this.inFlight.size > 0 && room < this.deps.config.webhookConcurrency / 2)) return;
      const claimed = await this.claim(room, Date.now());
      for (const delivery of claimed) {
        const attempt: Promise<void> = this.attempt(delivery)
          .catch((error: unknown) => this.log?.error({ err: error, deliveryId: delivery.delivery_id }, 'webhook attempt could not be recorded; it is retried when its lease expires'))
          .finally(() => {
            this.inFlight.delete(attempt);
            this.kick();
          });
        this.inFlight.add(attempt);
      }
      if (claimed.length < room) return;
    }
  }

  /** Leases up to `limit` due deliveries of active endpoints, oldest due first, with what sending them needs. */
  private async claim(limit: number, now: number): Promise<ClaimedDelivery[]> {
    const leasedUntil = now + this.deps.config.webhookTimeoutMs + LEASE_MARGIN_MS;
    let leased: { rows: { delivery_id: string }[] };
    if (this.deps.backend === 'postgres') {
      // Processes skip the rows others are claiming instead of queueing behind them.
      leased = await sql<{ delivery_id: string }>`
        update billing_webhook_deliveries
        set locked_by = ${this.id}, locked_until = ${leasedUntil}, updated_at = ${now}
        where delivery_id in (
          select d.delivery_id from billing_webhook_deliveries d
          join billing_webhook_endpoints e on e.endpoint_id = d.endpoint_id
          where d.status = 'pending' and d.next_attempt_at <= ${now} and (d.locked_until is null or d.locked_until < ${now}) and e.status = 'active'
          order by d.next_attempt_at
          limit ${limit}
          for update of d skip locked)
        returning delivery_id`.execute(this.deps.db);
    } else {
      // Candidates by the (status, next_attempt_at) index, then a lease by primary key that re-checks them,
      // since another process may have taken one meanwhile. In one statement, SQLite filtered the update
      // through the status index, walking every pending row: claims slowed down as the backlog grew.
      const candidates = await sql<{ delivery_id: string }>`
        select d.delivery_id from billing_webhook_deliveries d
        join billing_webhook_endpoints e on e.endpoint_id = d.endpoint_id
        where d.status = 'pending' and d.next_attempt_at <= ${now} and (d.locked_until is null or d.locked_until < ${now}) and e.status = 'active'
        order by d.next_attempt_at
        limit ${limit}`.execute(this.deps.db);
      if (candidates.rows.length === 0) return [];
      // The unary + keeps SQLite on the primary key: on the status index it walks every pending row.
      const ids = candidates.rows.map((row) => row.delivery_id);
      leased = await sql<{ delivery_id: string }>`
        update billing_webhook_deliveries
        set locked_by = ${this.id}, locked_until = ${leasedUntil}, updated_at = ${now}
        where delivery_id in (${sql.join(ids)}) and +status = 'pending' and (+locked_until is null or +locked_until < ${now})
        returning delivery_id`.execute(this.deps.db);
    }
    if (leased.rows.length === 0) return [];
    return this.deps.db
      .selectFrom('billing_webhook_deliveries as d')
      .innerJoin('billing_webhook_events as ev', 'ev.event_id', 'd.event_id')
      .innerJoin('billing_webhook_endpoints as ep', 'ep.endpoint_id', 'd.endpoint_id')
      .select(['d.delivery_id', 'd.event_id', 'd.endpoint_id', 'd.attempts', 'ev.payload', 'ep.url', 'ep.secret_sealed'])
      .where('d.delivery_id', 'in', leased.rows.map((row) => row.delivery_id))
      .where('d.locked_by', '=', this.id)
      .execute();
  }

  private async attempt(delivery: ClaimedDelivery): Promise<void> {
    const outcome = await this.send(delivery.event_id, delivery.url, unseal(this.deps.sealKey, delivery.secret_sealed), delivery.payload);
    await this.record(delivery, outcome);
  }

  private async send(msgId: string, url: string, secret: string, body: string): Promise<Outcome> {
    const at = Date.now();
    const timestamp = Math.floor(at / 1000);
    let httpStatus: number | null = null;
    let error: string | null = null;
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': this.deps.userAgent,
          'webhook-id': msgId,
          'webhook-timestamp': String(timestamp),
          'webhook-signature': sign(secret, msgId, timestamp, body),
        },
        body,
        // A redirect is a failed attempt: following it would send signed events to a place nobody registered.
        redirect: 'manual',
        signal: AbortSignal.timeout(this.deps.config.webhookTimeoutMs),
      });
      httpStatus = response.status;
      const snippet = await readSnippet(response);
      if (!isSuccess(httpStatus)) error = `HTTP ${httpStatus}${snippet ? `: ${snippet}` : ''}`;
    } catch (caught) {
      error = describeError(caught, this.deps.config.webhookTimeoutMs);
    }
    return { at, httpStatus, error, durationMs: Date.now() - at };
  }

  /** Writes the attempt and the delivery's next state, only while this process still holds the lease. */
  private async record(delivery: ClaimedDelivery, outcome: Outcome): Promise<void> {
    const now = Date.now();
    const attempts = delivery.attempts + 1;
    const succeeded = outcome.httpStatus !== null && isSuccess(outcome.httpStatus);
    const retryAfter = this.deps.config.webhookRetrySeconds[attempts - 1];
    const status = succeeded ? 'succeeded' : retryAfter === undefined ? 'failed' : 'pending';
    const held = await this.deps.db.transaction().execute(async (trx) => {
      const updated = await trx
        .updateTable('billing_webhook_deliveries')
        .set({
          status,
          attempts,
          next_attempt_at: status === 'pending' ? now + Math.round(retryAfter! * 1000) : null,
          locked_by: null,
          locked_until: null,
          last_attempt_at: outcome.at,
          last_http_status: outcome.httpStatus,
          last_error: outcome.error,
          succeeded_at: succeeded ? now : null,
          updated_at: now,
        })
        .where('delivery_id', '=', delivery.delivery_id)
        .where('locked_by', '=', this.id)
        .where('status', '=', 'pending')
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) !== 1) return false;
      // Numbered over the delivery's whole life: a replay restarts the retry schedule, not the log.
      const previous = await trx.selectFrom('billing_webhook_attempts').select((eb) => eb.fn.max('attempt').as('last')).where('delivery_id', '=', delivery.delivery_id).executeTakeFirst();
      await trx
        .insertInto('billing_webhook_attempts')
        .values({ attempt_id: newId('att'), delivery_id: delivery.delivery_id, attempt: Number(previous?.last ?? 0) + 1, at: outcome.at, http_status: outcome.httpStatus, error: outcome.error, duration_ms: outcome.durationMs })
        .execute();
      return true;
    });
    const context = { deliveryId: delivery.delivery_id, endpointId: delivery.endpoint_id, eventId: delivery.event_id, attempt: attempts, httpStatus: outcome.httpStatus };
    if (!held) {
      this.log?.warn(context, 'webhook attempt made after its lease was lost or the delivery changed; not recorded');
      return;
    }
    this.metrics?.webhookAttempts.inc({ outcome: status === 'pending' ? 'retry' : status });
    if (status === 'succeeded') this.log?.debug(context, 'webhook delivered');
    else if (status === 'pending') this.log?.info({ ...context, error: outcome.error, retryInSeconds: retryAfter }, 'webhook attempt failed; retrying');
    else this.log?.warn({ ...context, error: outcome.error }, 'webhook delivery failed after its last retry');
  }
}

function isSuccess(status: number): boolean {
  return status >= 200 && status < 300;
}

/**
 * The start of the answer as text; the rest is dropped so the connection is freed. Never throws: the status
 * line alone decides the outcome, so a receiver that answered 2xx and then stalled is not sent the event again.
 */
async function readSnippet(response: Response): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < RESPONSE_SNIPPET_BYTES) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } catch {
    // The body is only informative.
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(chunks).subarray(0, RESPONSE_SNIPPET_BYTES).toString('utf8').trim();
}

function describeError(error: unknown, timeoutMs: number): string {
  const e = error as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError') return `no answer within ${timeoutMs} ms`;
  const cause = e.cause?.code ?? e.cause?.message;
  return cause ? `${e.message ?? 'request failed'}: ${cause}` : (e.message ?? String(error));
}
