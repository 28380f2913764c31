import type { Insertable, Kysely } from 'kysely';
import type { BillingWebhookDeliveryTable, BillingWebhookEventTable, Database } from '../../platform/db/schema.js';
import { newId } from '../model.js';
import type { BillingEvent } from './events.js';

/** Rows per INSERT: well under SQLite's 32766 and PostgreSQL's 65535 bound parameters. */
const ROWS_PER_INSERT = 500;

/** The exact JSON body sent and signed: the Standard Webhooks envelope, with `eventType` for PrestaShop's receivers. */
export function eventPayload(eventId: string, event: BillingEvent): string {
  return JSON.stringify({
    id: eventId,
    type: event.type,
    eventType: event.type,
    timestamp: new Date(event.occurredAt).toISOString(),
    data: { ...event.data, resource_version: event.resourceVersion },
  });
}

/**
 * Writes events and one pending delivery per subscribed endpoint, in the caller's transaction: an event
 * exists if and only if the change it reports was committed. The billing engine calls it on its hot path,
 * hence one endpoint query per call and multi-row inserts.
 */
export async function enqueueEvents(db: Kysely<Database>, events: readonly BillingEvent[], now: number): Promise<void> {
  if (events.length === 0) return;
  const subscribers = await subscribedEndpoints(db, events);
  const eventRows: Insertable<BillingWebhookEventTable>[] = [];
  const deliveryRows: Insertable<BillingWebhookDeliveryTable>[] = [];
  for (const event of events) {
    const eventId = newId('msg');
    eventRows.push({ event_id: eventId, env: event.env, vendor_client_id: event.vendorClientId, type: event.type, payload: eventPayload(eventId, event), resource_version: event.resourceVersion, created_at: now });
    for (const endpoint of subscribers.get(scope(event.vendorClientId, event.env)) ?? []) {
      if (endpoint.types && !endpoint.types.has(event.type)) continue;
      deliveryRows.push({
        delivery_id: newId('dlv'), event_id: eventId, endpoint_id: endpoint.endpointId, status: 'pending', attempts: 0, next_attempt_at: now,
        locked_by: null, locked_until: null, last_attempt_at: null, last_http_status: null, last_error: null, succeeded_at: null, created_at: now, updated_at: now,
      });
    }
  }
  for (let i = 0; i < eventRows.length; i += ROWS_PER_INSERT) await db.insertInto('billing_webhook_events').values(eventRows.slice(i, i + ROWS_PER_INSERT)).execute();
  for (let i = 0; i < deliveryRows.length; i += ROWS_PER_INSERT) await db.insertInto('billing_webhook_deliveries').values(deliveryRows.slice(i, i + ROWS_PER_INSERT)).execute();
}

interface Subscriber {
  endpointId: string;
  /** Undefined: every type. */
  types: Set<string> | undefined;
}

function scope(vendorClientId: string, env: string): string {
  return `${env}:${vendorClientId}`;
}

/** Active endpoints of the events' vendors, by vendor and env. */
async function subscribedEndpoints(db: Kysely<Database>, events: readonly BillingEvent[]): Promise<Map<string, Subscriber[]>> {
  const vendors = [...new Set(events.map((event) => event.vendorClientId))];
  const rows = await db
    .selectFrom('billing_webhook_endpoints')
    .select(['endpoint_id', 'vendor_client_id', 'env', 'event_types'])
    .where('status', '=', 'active')
    .where('vendor_client_id', 'in', vendors)
    .execute();
  const byScope = new Map<string, Subscriber[]>();
  for (const row of rows) {
    const types = JSON.parse(row.event_types) as string[];
    const key = scope(row.vendor_client_id, row.env);
    byScope.set(key, [...(byScope.get(key) ?? []), { endpointId: row.endpoint_id, types: types.length === 0 ? undefined : new Set(types) }]);
  }
  return byScope;
}
