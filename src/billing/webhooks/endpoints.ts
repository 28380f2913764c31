import type { Kysely, Selectable } from 'kysely';
import { seal } from '../../platform/crypto/seal.js';
import type { BillingEnv, BillingWebhookDeliveryTable, BillingWebhookEndpointTable, Database } from '../../platform/db/schema.js';
import { ApiError } from '../../platform/http/api-error.js';
import { WEBHOOK_EVENT_TYPES, type WebhookEventType } from './events.js';
import { newId } from '../model.js';
import { newWebhookSecret } from './signing.js';

export type DeliveryStatus = BillingWebhookDeliveryTable['status'];

/** An endpoint as operators see it: never its secret. */
export interface WebhookEndpoint {
  endpointId: string;
  vendorClientId: string;
  vendor: string;
  env: BillingEnv;
  url: string;
  /** Empty: every type. */
  eventTypes: WebhookEventType[];
  description: string | null;
  status: 'active' | 'disabled';
  createdAt: string;
  updatedAt: string;
}

export interface WebhookDelivery {
  deliveryId: string;
  eventId: string;
  endpointId: string;
  eventType: string;
  status: DeliveryStatus;
  /** Attempts since the delivery was created or last replayed (the retry schedule's position). */
  attempts: number;
  nextAttemptAt: string | null;
  lastAttemptAt: string | null;
  lastHttpStatus: number | null;
  lastError: string | null;
  succeededAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface WebhookAttempt {
  attempt: number;
  at: string;
  httpStatus: number | null;
  error: string | null;
  durationMs: number;
}

export interface WebhookDeliveryDetail {
  delivery: WebhookDelivery;
  event: { eventId: string; type: string; env: BillingEnv; resourceVersion: number; createdAt: string; payload: Record<string, unknown> };
  attempts: WebhookAttempt[];
}

export interface CreateEndpointInput {
  /** A vendor client id or vendor name. */
  vendor: string;
  env?: BillingEnv | undefined;
  url: string;
  eventTypes?: string[] | undefined;
  description?: string | null | undefined;
}

export interface UpdateEndpointInput {
  url?: string | undefined;
  eventTypes?: string[] | undefined;
  status?: 'active' | 'disabled' | undefined;
  description?: string | null | undefined;
}

const MAX_URL_LENGTH = 2048;

/**
 * Webhook endpoints and their delivery log, for the operator API and the CLI. Secrets are returned only by
 * create and rotateSecret, and stored sealed: the dispatcher needs them back to sign.
 */
export class WebhookEndpoints {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly sealKey: Buffer,
  ) {}

  async create(input: CreateEndpointInput, now = Date.now()): Promise<{ endpoint: WebhookEndpoint; secret: string }> {
    const vendor = await this.vendor(input.vendor);
    const secret = newWebhookSecret();
    const row: BillingWebhookEndpointTable = {
      endpoint_id: newId('ep'),
      env: input.env ?? 'live',
      vendor_client_id: vendor.client_id,
      url: checkUrl(input.url),
      secret_sealed: seal(this.sealKey, secret),
      event_types: JSON.stringify(checkEventTypes(input.eventTypes ?? [])),
      description: input.description ?? null,
      status: 'active',
      created_at: now,
      updated_at: now,
    };
    await this.db.insertInto('billing_webhook_endpoints').values(row).execute();
    return { endpoint: endpointView(row, vendor.name), secret };
  }

  async list(filter: { vendor?: string | undefined; env?: BillingEnv | undefined } = {}): Promise<WebhookEndpoint[]> {
    const vendorClientId = filter.vendor === undefined ? undefined : (await this.vendor(filter.vendor)).client_id;
    let query = this.selectEndpoints().orderBy('ep.created_at').orderBy('ep.endpoint_id');
    if (vendorClientId !== undefined) query = query.where('ep.vendor_client_id', '=', vendorClientId);
    if (filter.env !== undefined) query = query.where('ep.env', '=', filter.env);
    return (await query.execute()).map((row) => endpointView(row, row.vendor));
  }

  async get(endpointId: string): Promise<WebhookEndpoint> {
    const row = await this.selectEndpoints().where('ep.endpoint_id', '=', endpointId).executeTakeFirst();
    if (!row) throw endpointNotFound(endpointId);
    return endpointView(row, row.vendor);
  }

  async update(endpointId: string, input: UpdateEndpointInput, now = Date.now()): Promise<WebhookEndpoint> {
    const result = await this.db
      .updateTable('billing_webhook_endpoints')
      .set({
        ...(input.url === undefined ? {} : { url: checkUrl(input.url) }),
        ...(input.eventTypes === undefined ? {} : { event_types: JSON.stringify(checkEventTypes(input.eventTypes)) }),
        ...(input.status === undefined ? {} : { status: input.status }),
        ...(input.description === undefined ? {} : { description: input.description }),
        updated_at: now,
      })
      .where('endpoint_id', '=', endpointId)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) throw endpointNotFound(endpointId);
    return this.get(endpointId);
  }

  /** Removes the endpoint and its delivery log; the events stay (other endpoints may have received them). */
  async delete(endpointId: string): Promise<void> {
    const result = await this.db.deleteFrom('billing_webhook_endpoints').where('endpoint_id', '=', endpointId).executeTakeFirst();
    if (Number(result.numDeletedRows) === 0) throw endpointNotFound(endpointId);
  }

  /** A new secret signs from the next attempt on; attempts in flight still carry the previous one. */
  async rotateSecret(endpointId: string, now = Date.now()): Promise<{ endpoint: WebhookEndpoint; secret: string }> {
    const secret = newWebhookSecret();
    const result = await this.db.updateTable('billing_webhook_endpoints').set({ secret_sealed: seal(this.sealKey, secret), updated_at: now }).where('endpoint_id', '=', endpointId).executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) throw endpointNotFound(endpointId);
    return { endpoint: await this.get(endpointId), secret };
  }

  /** The delivery log of an endpoint, newest first. */
  async deliveries(endpointId: string, filter: { status?: DeliveryStatus | undefined; limit: number; offset: number }): Promise<{ items: WebhookDelivery[]; total: number }> {
    await this.get(endpointId);
    let base = this.db.selectFrom('billing_webhook_deliveries as d').where('d.endpoint_id', '=', endpointId);
    if (filter.status !== undefined) base = base.where('d.status', '=', filter.status);
    const [rows, count] = await Promise.all([
      base
        .innerJoin('billing_webhook_events as ev', 'ev.event_id', 'd.event_id')
        .selectAll('d')
        .select('ev.type')
        .orderBy('d.created_at', 'desc')
        .orderBy('d.delivery_id', 'desc')
        .limit(filter.limit)
        .offset(filter.offset)
        .execute(),
      base.select((eb) => eb.fn.countAll<number>().as('total')).executeTakeFirstOrThrow(),
    ]);
    return { items: rows.map(deliveryView), total: Number(count.total) };
  }

  async delivery(deliveryId: string): Promise<WebhookDeliveryDetail> {
    const row = await this.db
      .selectFrom('billing_webhook_deliveries as d')
      .innerJoin('billing_webhook_events as ev', 'ev.event_id', 'd.event_id')
      .selectAll('d')
      .select(['ev.type', 'ev.env', 'ev.resource_version', 'ev.payload', 'ev.created_at as event_created_at'])
      .where('d.delivery_id', '=', deliveryId)
      .executeTakeFirst();
    if (!row) throw deliveryNotFound(deliveryId);
    const attempts = await this.db.selectFrom('billing_webhook_attempts').selectAll().where('delivery_id', '=', deliveryId).orderBy('attempt').execute();
    return {
      delivery: deliveryView(row),
      event: { eventId: row.event_id, type: row.type, env: row.env, resourceVersion: row.resource_version, createdAt: iso(row.event_created_at), payload: JSON.parse(row.payload) as Record<string, unknown> },
      attempts: attempts.map((a) => ({ attempt: a.attempt, at: iso(a.at), httpStatus: a.http_status, error: a.error, durationMs: a.duration_ms })),
    };
  }

  /**
   * Sends a delivery again from now, with a fresh retry schedule: the same row (one per event and endpoint),
   * so its log keeps every attempt. A delivery being sent right now cannot be replayed.
   */
  async replay(deliveryId: string, now = Date.now()): Promise<WebhookDelivery> {
    const result = await this.db
      .updateTable('billing_webhook_deliveries')
      .set({ ...REQUEUE, next_attempt_at: now, updated_at: now })
      .where('delivery_id', '=', deliveryId)
      .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<', now)]))
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) {
      await this.delivery(deliveryId);
      throw ApiError.conflict('delivery_in_flight', `delivery "${deliveryId}" is being sent right now; replay it once this attempt is recorded`);
    }
    return (await this.delivery(deliveryId)).delivery;
  }

  /** Replays the endpoint's failed (or all finished) deliveries created since `since`; returns how many. */
  async replayEndpoint(endpointId: string, options: { since?: number | undefined; status?: 'failed' | 'all' | undefined }, now = Date.now()): Promise<number> {
    await this.get(endpointId);
    let query = this.db
      .updateTable('billing_webhook_deliveries')
      .set({ ...REQUEUE, next_attempt_at: now, updated_at: now })
      .where('endpoint_id', '=', endpointId)
      .where('status', 'in', options.status === 'all' ? ['failed', 'succeeded'] : ['failed'])
      .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<', now)]));
    if (options.since !== undefined) query = query.where('created_at', '>=', options.since);
    return Number((await query.executeTakeFirst()).numUpdatedRows);
  }

  private selectEndpoints() {
    return this.db
      .selectFrom('billing_webhook_endpoints as ep')
      .innerJoin('oauth_clients as c', 'c.client_id', 'ep.vendor_client_id')
      .selectAll('ep')
      .select('c.name as vendor');
  }

  private async vendor(idOrName: string): Promise<{ client_id: string; name: string }> {
    const vendor = await this.db
      .selectFrom('oauth_clients')
      .select(['client_id', 'name'])
      .where('kind', '=', 'vendor')
      .where((eb) => eb.or([eb('client_id', '=', idOrName), eb('name', '=', idOrName)]))
      .executeTakeFirst();
    if (!vendor) throw ApiError.notFound('vendor_not_found', `no vendor client with id or name "${idOrName}"`);
    return vendor;
  }
}

/** What a replay resets: a pending delivery at the start of the retry schedule. */
const REQUEUE = { status: 'pending', attempts: 0, succeeded_at: null, locked_by: null, locked_until: null } as const;

function checkUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw ApiError.badRequest('invalid_url', `"${url}" is not an absolute URL`);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw ApiError.badRequest('invalid_url', 'a webhook URL must be http or https');
  if (url.length > MAX_URL_LENGTH) throw ApiError.badRequest('invalid_url', `a webhook URL is at most ${MAX_URL_LENGTH} characters`);
  return url;
}

function checkEventTypes(types: string[]): WebhookEventType[] {
  const unknown = types.filter((type) => !(WEBHOOK_EVENT_TYPES as readonly string[]).includes(type));
  if (unknown.length > 0) {
    throw ApiError.badRequest('invalid_event_type', `unknown event types: ${unknown.join(', ')}`, { unknown, known: [...WEBHOOK_EVENT_TYPES] });
  }
  return [...new Set(types)] as WebhookEventType[];
}

function endpointNotFound(endpointId: string): ApiError {
  return ApiError.notFound('webhook_endpoint_not_found', `no webhook endpoint with id "${endpointId}"`);
}

function deliveryNotFound(deliveryId: string): ApiError {
  return ApiError.notFound('webhook_delivery_not_found', `no webhook delivery with id "${deliveryId}"`);
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function isoOrNull(ms: number | null): string | null {
  return ms === null ? null : iso(ms);
}

function endpointView(row: Selectable<BillingWebhookEndpointTable>, vendor: string): WebhookEndpoint {
  return {
    endpointId: row.endpoint_id,
    vendorClientId: row.vendor_client_id,
    vendor,
    env: row.env,
    url: row.url,
    eventTypes: JSON.parse(row.event_types) as WebhookEventType[],
    description: row.description,
    status: row.status,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  };
}

function deliveryView(row: Selectable<BillingWebhookDeliveryTable> & { type: string }): WebhookDelivery {
  return {
    deliveryId: row.delivery_id,
    eventId: row.event_id,
    endpointId: row.endpoint_id,
    eventType: row.type,
    status: row.status,
    attempts: row.attempts,
    nextAttemptAt: isoOrNull(row.next_attempt_at),
    lastAttemptAt: isoOrNull(row.last_attempt_at),
    lastHttpStatus: row.last_http_status,
    lastError: row.last_error,
    succeededAt: isoOrNull(row.succeeded_at),
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  };
}
