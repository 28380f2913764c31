import type { Kysely } from 'kysely';
import type { Database } from '../../platform/db/schema.js';

/**
 * Deletes the delivery log older than `before`: finished deliveries (their attempts go with them), then
 * events no delivery refers to any more. Pending deliveries are kept whatever their age: they are owed.
 */
export async function purgeWebhookHistory(db: Kysely<Database>, before: number): Promise<{ deliveries: number; events: number }> {
  const deliveries = await db.deleteFrom('billing_webhook_deliveries').where('status', '<>', 'pending').where('created_at', '<', before).executeTakeFirst();
  const events = await db
    .deleteFrom('billing_webhook_events')
    .where('created_at', '<', before)
    .where(({ not, exists, selectFrom }) => not(exists(selectFrom('billing_webhook_deliveries as d').select('d.delivery_id').whereRef('d.event_id', '=', 'billing_webhook_events.event_id'))))
    .executeTakeFirst();
  return { deliveries: Number(deliveries.numDeletedRows), events: Number(events.numDeletedRows) };
}
