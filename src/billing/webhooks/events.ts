import type { BillingEnv } from '../../platform/db/schema.js';

/** The events psif sends to vendors' webhook endpoints (billing.md §3.2, plus invoice events). */
export const WEBHOOK_EVENT_TYPES = [
  'subscription.created',
  'subscription.updated',
  'subscription.status-updated',
  'payment.succeeded',
  'payment.failed',
  'customer.created',
  'customer.updated',
  'customer-billing-address.updated',
  'invoice.created',
  'invoice.paid',
  'invoice.payment-due',
  'invoice.not-paid',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/**
 * An event as the billing engine emits it, inside the transaction of the change it reports. `data` is the
 * payload's `data` object; `resourceVersion` (ms epoch, increasing per resource) is added to it as
 * `resource_version` so receivers can drop stale events (billing.md §3.1).
 */
export interface BillingEvent {
  type: WebhookEventType;
  env: BillingEnv;
  vendorClientId: string;
  data: Record<string, unknown>;
  resourceVersion: number;
  /** When it happened (the customer's test clock in sandbox), ms epoch. */
  occurredAt: number;
}
