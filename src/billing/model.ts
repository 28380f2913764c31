import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type {
  BillingComponentTable,
  BillingCustomerTable,
  BillingEnv,
  BillingInvoiceTable,
  BillingSubscriptionTable,
  BillingTransactionTable,
  Database,
} from '../platform/db/schema.js';
import type { BillingEvent } from './webhooks/events.js';

export type { BillingEnv };
export type Subscription = BillingSubscriptionTable;
export type Component = BillingComponentTable;
export type Customer = BillingCustomerTable;
export type Invoice = BillingInvoiceTable;

/** An addon on a subscription (JSON in `addons`). */
export interface SubscriptionAddon {
  componentId: string;
  quantity: number;
  scheduledQuantity?: number | undefined;
  usage: number;
}

/**
 * Ids with a type prefix, like Stripe's: a millisecond timestamp then 64 random bits, so ids sort by
 * creation (list order among equal dates) and inserts land at the end of the primary-key index.
 */
export function newId(prefix: string): string {
  return `${prefix}_${Date.now().toString(36).padStart(9, '0')}${randomChunk(8).toString('base64url')}`;
}

// One crypto call per 512 ids: a renewal takes about ten ids, and randomBytes(8) each cost more than the rest of newId.
let pool = Buffer.alloc(0);
let offset = 0;
function randomChunk(size: number): Buffer {
  if (offset + size > pool.length) {
    pool = randomBytes(4096);
    offset = 0;
  }
  offset += size;
  return pool.subarray(offset - size, offset);
}

/** Unix seconds (billing.md §2: timestamps are seconds, UTC), null kept. */
export function seconds(ms: number | null | undefined): number | null {
  return ms === null || ms === undefined ? null : Math.floor(ms / 1000);
}

/**
 * One transaction of the billing engine: its writes and the webhook events they cause, which are put in
 * the outbox by the same transaction (so an event exists if and only if its change does).
 */
export interface UnitOfWork {
  trx: Kysely<Database>;
  env: BillingEnv;
  events: BillingEvent[];
  /** The real time of the transaction: resource versions are taken from it, test clock or not. */
  realNow: number;
  /** Rows written in bulk before anything reads them back, and at the end of the unit. */
  writes: { invoices: Invoice[]; transactions: BillingTransactionTable[] };
}

/** The next resource version: ms epoch, strictly increasing per resource even within a millisecond. */
export function nextVersion(previous: number, realNow: number): number {
  return Math.max(previous + 1, realNow);
}
