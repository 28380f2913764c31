import type { Kysely } from 'kysely';
import type { Principal } from '../auth/model.js';
import type { BillingEnv, Database } from '../platform/db/schema.js';
import { billingError } from './billing-errors.js';
import type { Customer, Subscription } from './model.js';
import type { Guard } from './services/subscriptions.js';

/**
 * Who may do what in the Billing API. Vendors need the route's scope (billing.md §1.1) and reach only
 * their products' subscriptions and invoices, and the customers they created or that subscribe to their
 * products; shops reach only their own customer, subscriptions and invoices; admins reach everything.
 * What a caller may not reach answers 404, as if it did not exist, so ids cannot be probed.
 */
export const BILLING_SCOPES = {
  'product.read': 'Read your products and their components',
  'product.write': 'Create and change your products and components',
  'customer.read': 'Read customers subscribed to your products (or that you created)',
  'customer.write': 'Create customers; in sandbox, also their billing address and test cards',
  'customer.write.estimate': 'Price previews (POST /estimates)',
  'subscription.read': 'Read your products\' subscriptions',
  'subscription.write': 'Create, change plan, cancel, reactivate, pause and resume subscriptions; advance sandbox test clocks',
  'subscription.write.quantity': 'Set an item\'s quantity (PUT .../quantity)',
  'subscription.write.usage': 'Report usage (POST .../usage)',
  'subscription.write.charge_at_term': 'Add charges to the next invoice (POST .../charge_at_term)',
  'invoices.read': 'List your products\' invoices and download them',
} as const;
export type BillingScope = keyof typeof BILLING_SCOPES;

export type Actor = { kind: 'vendor'; clientId: string; scopes: string[] } | { kind: 'shop'; shopId: string; clientId: string } | { kind: 'admin'; clientId: string };

export function actorOf(principal: Principal | undefined): Actor {
  if (!principal) throw billingError('UNAUTHORIZED');
  if (principal.kind === 'vendor') return { kind: 'vendor', clientId: principal.clientId, scopes: principal.scopes };
  if (principal.kind === 'shop' && principal.shopId) return { kind: 'shop', shopId: principal.shopId, clientId: principal.clientId };
  if (principal.kind === 'admin') return { kind: 'admin', clientId: principal.clientId };
  throw billingError('FORBIDDEN', `${principal.kind} clients cannot use the Billing API`);
}

/** The caller of a route, once it passed `requireScope`. */
export function authorize(principal: Principal | undefined, scope: BillingScope, options: { shops: boolean }): Actor {
  const actor = actorOf(principal);
  requireScope(actor, scope, options);
  return actor;
}

/** A vendor must hold `scope`; a shop may call the route only when `shops` allows it. */
export function requireScope(actor: Actor, scope: BillingScope, options: { shops: boolean }): void {
  if (actor.kind === 'vendor' && !actor.scopes.includes(scope)) throw billingError('INSUFFICIENT_SCOPE', `this route needs the scope ${scope}`);
  if (actor.kind === 'shop' && !options.shops) throw billingError('FORBIDDEN', 'this route is for vendor tokens');
}

/** The guard of a subscription route: the caller's own subscriptions only (others are "not found"). */
export function subscriptionGuard(actor: Actor): Guard {
  return (sub: Subscription) => {
    const mine = actor.kind === 'admin' || (actor.kind === 'vendor' ? sub.vendor_client_id === actor.clientId : sub.customer_id === actor.shopId);
    if (!mine) throw billingError('SUBSCRIPTION_NOT_FOUND', `no subscription "${sub.subscription_id}"`);
  };
}

/** Whether the caller may see or change a customer: its own shop, one it created, or one subscribed to its products. */
export async function canReachCustomer(db: Kysely<Database>, env: BillingEnv, actor: Actor, customer: Customer): Promise<boolean> {
  if (actor.kind === 'admin') return true;
  if (actor.kind === 'shop') return customer.customer_id === actor.shopId;
  if (customer.created_by === actor.clientId) return true;
  const subscribed = await db.selectFrom('billing_subscriptions').select('subscription_id').where('env', '=', env).where('customer_id', '=', customer.customer_id).where('vendor_client_id', '=', actor.clientId).limit(1).executeTakeFirst();
  return subscribed !== undefined;
}
