import type { Kysely } from 'kysely';
import type { BillingConfig } from '../../platform/config/config.js';
import type { Db } from '../../platform/db/database.js';
import type { BillingEnv, BillingTransactionTable, Database } from '../../platform/db/schema.js';
import type { PaymentGateway, PaymentMethod } from '../gateway/payment-gateway.js';
import { type Component, type Customer, type Invoice, type Subscription, type UnitOfWork, newId, nextVersion } from '../model.js';
import { addPeriod, nextBoundary } from '../periods.js';
import { componentAmount, prorate, unitPrice } from '../pricing.js';
import { ComponentCache, dueInvoices, saveSubscription } from '../storage/billing-repository.js';
import { lineTax, taxRateFor } from '../tax.js';
import {
  type LineItem,
  type SubscriptionSnapshot,
  type SubscriptionView,
  addonsOf,
  billingAddressOf,
  customerView,
  invoiceView,
  paymentMethodOf,
  subscriptionView,
  transactionView,
} from '../views.js';
import type { BillingEvent, WebhookEventType } from '../webhooks/events.js';
import { billingError } from '../billing-errors.js';

/** Where events go: the webhook outbox (written in the caller's transaction), and a nudge after commit. */
export interface EventSink {
  enqueue(db: Kysely<Database>, events: BillingEvent[], now: number): Promise<void>;
  kick(): void;
}

/** The invoice lines of a transition, before tax. */
type Line = Omit<LineItem, 'invoiceLineItemId' | 'taxRate' | 'taxAmount'>;

/** An invoice billed by a transition, and its charge attempt (none for an invoice of 0). */
export interface Billed {
  paid: boolean;
  invoice: Invoice;
  transaction: BillingTransactionTable | null;
  errorCode?: string;
}

/** Rows per multi-row INSERT: an invoice has 26 columns, well under the bound-parameter limits. */
const ROWS_PER_INSERT = 200;

/** The customer's view is the same in every event of a unit of work: built once per customer object. */
const customerViews = new WeakMap<Customer, ReturnType<typeof customerView>>();
function memoCustomerView(customer: Customer): ReturnType<typeof customerView> {
  let view = customerViews.get(customer);
  if (!view) {
    view = customerView(customer);
    customerViews.set(customer, view);
  }
  return view;
}

/** Transitions whose change was made by someone else first (the resource-version guard failed). */
export class LostRace extends Error {}

/**
 * The billing engine: subscriptions' transitions in time (start, trial end, renewal, end of term, payment
 * retries), invoicing and collection. Every transition runs in a unit of work whose subscription write is
 * guarded by its resource version and whose invoice has a unique billing key, so each happens exactly
 * once however many clocks and requests race for it.
 */
export class BillingEngine {
  constructor(
    readonly db: Db,
    readonly config: BillingConfig,
    private readonly gateways: Record<BillingEnv, PaymentGateway>,
    private readonly sink: EventSink,
  ) {}

  gateway(env: BillingEnv): PaymentGateway {
    return this.gateways[env];
  }

  /** A transaction whose events are put in the outbox before it commits; the dispatcher is nudged after. */
  async unit<T>(env: BillingEnv, work: (uow: UnitOfWork) => Promise<T>): Promise<T> {
    let emitted = false;
    const result = await this.db.kysely.transaction().execute(async (trx) => {
      const uow: UnitOfWork = { trx, env, events: [], realNow: Date.now(), writes: { invoices: [], transactions: [] } };
      const value = await work(uow);
      await this.flush(uow);
      if (uow.events.length > 0) {
        await this.sink.enqueue(trx, uow.events, uow.realNow);
        emitted = true;
      }
      return value;
    });
    if (emitted) this.sink.kick();
    return result;
  }

  /**
   * The customer's "now": its test clock in sandbox, else real time, in whole seconds, the API's
   * resolution, so advancing a test clock to a date the API showed reaches exactly that instant.
   */
  now(customer: Pick<Customer, 'clock_at'>): number {
    return customer.clock_at ?? Math.floor(Date.now() / 1000) * 1000;
  }

  // ---- events -------------------------------------------------------------------------------------

  /** Emits a subscription event; returns the subscription's view, which its payment events reuse. */
  emitSubscription(uow: UnitOfWork, type: WebhookEventType, snapshot: SubscriptionSnapshot, customer: Customer, at: number): SubscriptionView {
    const view = subscriptionView(snapshot);
    uow.events.push({
      type,
      env: uow.env,
      vendorClientId: snapshot.sub.vendor_client_id,
      resourceVersion: snapshot.sub.resource_version,
      occurredAt: at,
      data: { shopId: customer.customer_id, chargebeeCustomerId: customer.customer_id, customer: memoCustomerView(customer), subscription: view },
    });
    return view;
  }

  /** payment.succeeded or payment.failed for each charge attempt, with the subscription as the transition left it. */
  emitPayments(uow: UnitOfWork, billed: Billed[], subscription: SubscriptionView, customer: Customer, at: number): void {
    for (const { transaction, invoice } of billed) {
      if (!transaction) continue;
      uow.events.push({
        type: transaction.status === 'success' ? 'payment.succeeded' : 'payment.failed',
        env: uow.env,
        vendorClientId: invoice.vendor_client_id,
        resourceVersion: subscription.resource_version,
        occurredAt: at,
        data: { module_id: invoice.product_id, shopId: customer.customer_id, customer: memoCustomerView(customer), subscription, transaction: transactionView(transaction, invoice) },
      });
    }
  }

  private emitInvoice(uow: UnitOfWork, type: WebhookEventType, invoice: Invoice, at: number): void {
    uow.events.push({
      type,
      env: uow.env,
      vendorClientId: invoice.vendor_client_id,
      resourceVersion: invoice.resource_version,
      occurredAt: at,
      data: { shopId: invoice.customer_id, invoice: invoiceView(invoice) },
    });
  }

  // ---- invoicing ----------------------------------------------------------------------------------

  /** Lines billed in advance for a term: the plan and the addons that are not usage-based. */
  advanceLines(snapshot: SubscriptionSnapshot, from: number, to: number): Line[] {
    const { sub, plan } = snapshot;
    const lines: Line[] = [];
    if (!plan.is_usage_based) {
      lines.push({ componentId: plan.component_id, entityType: 'plan_item_price', description: `${plan.component_id} (${sub.quantity} × ${plan.billing_period_unit})`, quantity: sub.quantity, unitAmount: unitPrice(plan, sub.quantity), amount: componentAmount(plan, sub.quantity), dateFrom: from, dateTo: to });
    }
    for (const addon of addonsOf(sub)) {
      const component = snapshot.components.get(addon.componentId);
      if (!component || component.is_usage_based) continue;
      lines.push({ componentId: component.component_id, entityType: 'addon_item_price', description: `${component.component_id} (${addon.quantity})`, quantity: addon.quantity, unitAmount: unitPrice(component, addon.quantity), amount: componentAmount(component, addon.quantity), dateFrom: from, dateTo: to });
    }
    return lines;
  }

  /** Lines billed in arrears for a term that ends: its usage. */
  arrearsLines(snapshot: SubscriptionSnapshot, from: number, to: number): Line[] {
    const { sub, plan } = snapshot;
    const lines: Line[] = [];
    if (plan.is_usage_based && sub.usage > 0) {
      lines.push({ componentId: plan.component_id, entityType: 'plan_item_price', description: `${plan.component_id} usage (${sub.usage})`, quantity: sub.usage, unitAmount: unitPrice(plan, sub.usage), amount: componentAmount(plan, sub.usage), dateFrom: from, dateTo: to });
    }
    for (const addon of addonsOf(sub)) {
      const component = snapshot.components.get(addon.componentId);
      if (!component?.is_usage_based || addon.usage <= 0) continue;
      lines.push({ componentId: component.component_id, entityType: 'addon_item_price', description: `${component.component_id} usage (${addon.usage})`, quantity: addon.usage, unitAmount: unitPrice(component, addon.usage), amount: componentAmount(component, addon.usage), dateFrom: from, dateTo: to });
    }
    return lines;
  }

  /** Charges at term not yet billed, as lines; `bill` marks them billed. */
  async pendingCharges(uow: UnitOfWork, subscriptionId: string, at: number, cache?: ComponentCache): Promise<(Line & { chargeId: string })[]> {
    const charges = cache?.takeCharges(subscriptionId) ?? (await uow.trx.selectFrom('billing_charges').selectAll().where('subscription_id', '=', subscriptionId).where('invoice_id', 'is', null).orderBy('created_at').execute());
    return charges.map((charge) => ({ chargeId: charge.charge_id, componentId: null, entityType: 'adhoc' as const, description: charge.description, quantity: 1, unitAmount: charge.amount, amount: charge.amount, dateFrom: charge.created_at, dateTo: at }));
  }

  /**
   * Invoices a transition and collects the invoice at once: the invoice is written once, paid or due, with
   * its transaction (emits invoice.created, then invoice.paid or invoice.payment-due; the caller emits the
   * payment event once the subscription is saved). An invoice of 0 is paid without a charge.
   */
  async bill(uow: UnitOfWork, input: { snapshot: SubscriptionSnapshot; customer: Customer; reason: Invoice['reason']; key: string; at: number; periodStart: number; periodEnd: number; lines: (Line & { chargeId?: string })[] }): Promise<Billed> {
    const { snapshot, customer, at } = input;
    const taxRate = taxRateFor(billingAddressOf(customer)?.country);
    const invoiceId = newId('inv');
    const lines: LineItem[] = input.lines.map(({ chargeId: _charge, ...line }, i) => ({ invoiceLineItemId: `${invoiceId}-${i + 1}`, ...line, taxRate, taxAmount: lineTax(line.amount, taxRate) }));
    const subTotal = lines.reduce((sum, line) => sum + line.amount, 0);
    const total = subTotal + lines.reduce((sum, line) => sum + line.taxAmount, 0);
    let invoice: Invoice = {
      invoice_id: invoiceId,
      env: uow.env,
      billing_key: `${uow.env}:${input.key}`,
      customer_id: customer.customer_id,
      subscription_id: snapshot.sub.subscription_id,
      product_id: snapshot.sub.product_id,
      vendor_client_id: snapshot.sub.vendor_client_id,
      reason: input.reason,
      status: 'payment_due',
      currency: snapshot.plan.currency,
      sub_total: subTotal,
      tax_rate: taxRate,
      tax_amount: total - subTotal,
      total,
      amount_paid: 0,
      amount_due: total,
      period_start: input.periodStart,
      period_end: input.periodEnd,
      invoice_date: at,
      paid_at: null,
      line_items: JSON.stringify(lines),
      billing_address: customer.billing_address,
      resource_version: uow.realNow,
      created_at: at,
      updated_at: at,
    };
    const transaction = total === 0 ? null : await this.charge(uow, invoice, customer, at, 1);
    if (total === 0 || transaction?.status === 'success') invoice = { ...invoice, status: 'paid', amount_paid: total, amount_due: 0, paid_at: at };
    uow.writes.invoices.push(invoice);
    if (transaction) uow.writes.transactions.push(transaction);
    const chargeIds = input.lines.flatMap((line) => (line.chargeId ? [line.chargeId] : []));
    if (chargeIds.length > 0) await uow.trx.updateTable('billing_charges').set({ invoice_id: invoiceId }).where('charge_id', 'in', chargeIds).execute();
    this.emitInvoice(uow, 'invoice.created', invoice, at);
    this.emitInvoice(uow, invoice.status === 'paid' ? 'invoice.paid' : 'invoice.payment-due', invoice, at);
    return { paid: invoice.status === 'paid', invoice, transaction, ...(transaction?.error_code ? { errorCode: transaction.error_code } : {}) };
  }

  /** Collects a due invoice again (a dunning retry, or a new card). */
  async collectAgain(uow: UnitOfWork, invoice: Invoice, customer: Customer, at: number, attempt: number): Promise<Billed> {
    const transaction = await this.charge(uow, invoice, customer, at, attempt);
    uow.writes.transactions.push(transaction);
    if (transaction.status !== 'success') return { paid: false, invoice, transaction, errorCode: transaction.error_code ?? 'declined' };
    const paid = await this.markInvoice(uow, invoice, 'paid', at);
    this.emitInvoice(uow, 'invoice.paid', paid, at);
    return { paid: true, invoice: paid, transaction };
  }

  /** One charge through the environment's gateway, idempotent by invoice and attempt; its transaction row. */
  private async charge(uow: UnitOfWork, invoice: Invoice, customer: Customer, at: number, attempt: number): Promise<BillingTransactionTable> {
    const method = paymentMethodOf(customer) as PaymentMethod | null;
    const gateway = this.gateway(uow.env);
    const result = method
      ? await gateway.charge({ idempotencyKey: `${invoice.invoice_id}:${attempt}`, paymentMethod: method, amount: invoice.amount_due, currency: invoice.currency, now: at })
      : { status: 'failure' as const, idAtGateway: null, errorCode: 'no_payment_method', errorText: 'The customer has no payment method.' };
    return {
      transaction_id: newId('txn'),
      env: uow.env,
      invoice_id: invoice.invoice_id,
      customer_id: customer.customer_id,
      subscription_id: invoice.subscription_id,
      amount: invoice.amount_due,
      currency: invoice.currency,
      status: result.status,
      gateway: method?.gateway ?? gateway.name,
      id_at_gateway: result.idAtGateway,
      error_code: result.status === 'failure' ? result.errorCode : null,
      error_text: result.status === 'failure' ? result.errorText : null,
      attempt,
      at,
    };
  }

  async markInvoice(uow: UnitOfWork, invoice: Invoice, status: 'paid' | 'not_paid', at: number): Promise<Invoice> {
    await this.flush(uow);
    const paid = status === 'paid';
    const updated: Invoice = {
      ...invoice,
      status,
      amount_paid: paid ? invoice.total : invoice.amount_paid,
      amount_due: paid ? 0 : invoice.amount_due,
      paid_at: paid ? at : null,
      resource_version: nextVersion(invoice.resource_version, uow.realNow),
      updated_at: at,
    };
    await uow.trx
      .updateTable('billing_invoices')
      .set({ status: updated.status, amount_paid: updated.amount_paid, amount_due: updated.amount_due, paid_at: updated.paid_at, resource_version: updated.resource_version, updated_at: at })
      .where('invoice_id', '=', invoice.invoice_id)
      .execute();
    return updated;
  }

  /** Writes the unit's buffered invoices and transactions, many rows per statement. */
  async flush(uow: UnitOfWork): Promise<void> {
    const { invoices, transactions } = uow.writes;
    for (let i = 0; i < invoices.length; i += ROWS_PER_INSERT) await uow.trx.insertInto('billing_invoices').values(invoices.slice(i, i + ROWS_PER_INSERT)).execute();
    for (let i = 0; i < transactions.length; i += ROWS_PER_INSERT) await uow.trx.insertInto('billing_transactions').values(transactions.slice(i, i + ROWS_PER_INSERT)).execute();
    invoices.length = 0;
    transactions.length = 0;
  }

  // ---- time ---------------------------------------------------------------------------------------

  /** When the clock must next look at a subscription. */
  nextActionAt(sub: Subscription): number | null {
    const candidates: number[] = [];
    if (sub.status === 'future' && sub.start_at !== null) candidates.push(sub.start_at);
    if (sub.status === 'in_trial' && sub.trial_end !== null) candidates.push(sub.trial_end);
    if ((sub.status === 'active' || sub.status === 'non_renewing') && sub.current_term_end !== null) candidates.push(sub.current_term_end);
    if (sub.status !== 'cancelled' && sub.due_invoices_count > 0 && sub.next_retry_at !== null) candidates.push(sub.next_retry_at);
    return candidates.length === 0 ? null : Math.min(...candidates);
  }

  /** Saves a transition: new version, next action, guarded by the version read. */
  async commit(uow: UnitOfWork, before: Subscription, after: Subscription, at: number): Promise<Subscription> {
    const saved: Subscription = { ...after, resource_version: nextVersion(before.resource_version, uow.realNow), updated_at: at };
    saved.next_action_at = this.nextActionAt(saved);
    if (!(await saveSubscription(uow.trx, before, saved))) throw new LostRace(`subscription ${before.subscription_id} changed meanwhile`);
    return saved;
  }

  /** The subscription as `commit` will save it, for the invoice and events built before the save. */
  private draft(uow: UnitOfWork, before: Subscription, after: Subscription): Subscription {
    return { ...after, resource_version: nextVersion(before.resource_version, uow.realNow) };
  }

  /** Starts a term at `at`: anchor, term bounds and next billing date. */
  startTerm(sub: Subscription, plan: Pick<Component, 'billing_period_unit'>, at: number): Subscription {
    const unit = plan.billing_period_unit ?? 'month';
    const end = addPeriod(at, 1, unit);
    return { ...sub, billing_anchor: at, current_term_start: at, current_term_end: end, next_billing_at: end };
  }

  /** Records a failed collection on the subscription: dunning starts (or goes on). */
  withDues(sub: Subscription, invoice: Invoice, at: number): Subscription {
    const dueSince = sub.due_since ?? at;
    const attempt = Math.max(sub.dunning_attempt, 1);
    const schedule = this.config.dunningScheduleSeconds;
    return {
      ...sub,
      due_invoices_count: sub.due_invoices_count + 1,
      total_dues: sub.total_dues + invoice.amount_due,
      due_since: dueSince,
      dunning_attempt: attempt,
      next_retry_at: attempt <= schedule.length ? dueSince + schedule[attempt - 1]! * 1000 : at,
    };
  }

  /** Saves a transition and emits its subscription event and payment events, all with the saved state. */
  private async finish(uow: UnitOfWork, before: Subscription, after: Subscription, customer: Customer, cache: ComponentCache, at: number, event: WebhookEventType, billed: Billed[]): Promise<Subscription> {
    const saved = await this.commit(uow, before, after, at);
    const view = this.emitSubscription(uow, event, await cache.snapshot(saved), customer, at);
    this.emitPayments(uow, billed, view, customer, at);
    return saved;
  }

  /**
   * Runs the one transition due at `sub.next_action_at`, at that instant (so catching up after downtime,
   * or advancing a test clock by a year, bills every period on its own date). Returns the saved subscription.
   */
  async step(uow: UnitOfWork, sub: Subscription, cache: ComponentCache): Promise<Subscription> {
    const at = sub.next_action_at as number;
    const customer = await cache.customer(sub.customer_id);
    if (sub.due_invoices_count > 0 && sub.next_retry_at !== null && sub.next_retry_at <= at) return this.retryPayment(uow, sub, customer, cache, at);
    if (sub.status === 'future') return this.start(uow, sub, customer, cache, at);
    if (sub.status === 'in_trial') return this.endTrial(uow, sub, customer, cache, at);
    if (sub.status === 'non_renewing') return this.cancelNow(uow, sub, customer, cache, at, 'end_of_term');
    return this.renew(uow, sub, customer, cache, at);
  }

  private async start(uow: UnitOfWork, sub: Subscription, customer: Customer, cache: ComponentCache, at: number): Promise<Subscription> {
    if (sub.trial_end !== null) {
      const trialLength = sub.trial_end - (sub.trial_start ?? at);
      return this.finish(uow, sub, { ...sub, status: 'in_trial', trial_start: at, trial_end: at + trialLength, next_billing_at: at + trialLength }, customer, cache, at, 'subscription.status-updated', []);
    }
    return this.activate(uow, sub, customer, cache, at, 'creation', `${sub.subscription_id}:creation`);
  }

  private async endTrial(uow: UnitOfWork, sub: Subscription, customer: Customer, cache: ComponentCache, at: number): Promise<Subscription> {
    if (sub.cancel_schedule_created_at !== null) return this.cancelNow(uow, sub, customer, cache, at, 'cancelled_during_trial');
    const plan = await cache.get(sub.scheduled_plan_id ?? sub.plan_id);
    const needsPayment = componentAmount(plan, sub.scheduled_quantity ?? sub.quantity) > 0 && !plan.is_usage_based;
    // billing.md §6: at the end of a trial without a payment method, the subscription is cancelled.
    if (needsPayment && !paymentMethodOf(customer)) return this.cancelNow(uow, sub, customer, cache, at, 'no_payment_method');
    // A trial's usage is free: the first paid term starts clean.
    const base = this.applyScheduled({ ...sub, usage: 0, addons: JSON.stringify(addonsOf(sub).map((a) => ({ ...a, usage: 0 }))) });
    return this.activate(uow, sub, customer, cache, at, 'trial_end', `${sub.subscription_id}:trial_end`, { base });
  }

  /**
   * Status active from `at`, a first term invoiced in advance and collected. A failed payment starts
   * dunning, or, when `strict` (a request that buys something now), rejects the whole request.
   */
  async activate(uow: UnitOfWork, before: Subscription, customer: Customer, cache: ComponentCache, at: number, reason: Invoice['reason'], key: string, options: { base?: Subscription; strict?: boolean; event?: WebhookEventType } = {}): Promise<Subscription> {
    const base = options.base ?? before;
    const plan = await cache.get(base.plan_id);
    let next: Subscription = this.draft(uow, before, this.startTerm({ ...base, status: 'active', activated_at: at, cancelled_at: null, cancel_schedule_created_at: null, cancel_reason: null, paused_at: null }, plan, at));
    const draft = await cache.snapshot(next);
    const lines = this.advanceLines(draft, at, next.current_term_end as number);
    if (options.strict && lines.some((line) => line.amount > 0) && !paymentMethodOf(customer)) throw billingError('PAYMENT_METHOD_REQUIRED', `customer "${customer.customer_id}" has no payment method; add one first`);
    const billed = await this.bill(uow, { snapshot: draft, customer, reason, key, at, periodStart: at, periodEnd: next.current_term_end as number, lines });
    if (!billed.paid) {
      if (options.strict) throw billingError('PAYMENT_DECLINED', `the payment was declined (${billed.errorCode ?? 'declined'}); nothing was changed`);
      next = this.withDues(next, billed.invoice, at);
    }
    return this.finish(uow, before, next, customer, cache, at, options.event ?? 'subscription.status-updated', [billed]);
  }

  /** Scheduled plan and quantities take effect (at a renewal or trial end). */
  applyScheduled(sub: Subscription): Subscription {
    return {
      ...sub,
      plan_id: sub.scheduled_plan_id ?? sub.plan_id,
      scheduled_plan_id: null,
      quantity: sub.scheduled_quantity ?? sub.quantity,
      scheduled_quantity: null,
      addons: JSON.stringify(addonsOf(sub).map(({ scheduledQuantity, ...addon }) => ({ ...addon, quantity: scheduledQuantity ?? addon.quantity }))),
    };
  }

  /** A term ends and the next starts: usage and charges of the ended term plus the new term, in one invoice. */
  private async renew(uow: UnitOfWork, sub: Subscription, customer: Customer, cache: ComponentCache, at: number): Promise<Subscription> {
    const ended = await cache.snapshot(sub);
    const arrears = this.arrearsLines(ended, sub.current_term_start as number, at);
    const charges = await this.pendingCharges(uow, sub.subscription_id, at, cache);
    const applied = this.applyScheduled(sub.usage === 0 && sub.addons === '[]' ? sub : { ...sub, usage: 0, addons: JSON.stringify(addonsOf(sub).map((a) => ({ ...a, usage: 0 }))) });
    const plan = await cache.get(applied.plan_id);
    const unit = plan.billing_period_unit ?? 'month';
    // A period change restarts the anchor; otherwise terms follow the anchor's calendar day.
    const periodChanged = plan.billing_period_unit !== ended.plan.billing_period_unit;
    const anchor = periodChanged || applied.billing_anchor === null ? at : applied.billing_anchor;
    const end = periodChanged ? addPeriod(at, 1, unit) : nextBoundary(anchor, at, unit);
    let next: Subscription = this.draft(uow, sub, { ...applied, billing_anchor: anchor, current_term_start: at, current_term_end: end, next_billing_at: end });
    const renewed = await cache.snapshot(next);
    const billed = await this.bill(uow, { snapshot: renewed, customer, reason: 'renewal', key: `${sub.subscription_id}:renewal:${at}`, at, periodStart: at, periodEnd: end, lines: [...arrears, ...charges, ...this.advanceLines(renewed, at, end)] });
    if (!billed.paid) next = this.withDues(next, billed.invoice, at);
    return this.finish(uow, sub, next, customer, cache, at, 'subscription.updated', [billed]);
  }

  /** Cancels at `at`: the current term's usage and pending charges are billed, nothing is refunded. */
  async cancelNow(uow: UnitOfWork, sub: Subscription, customer: Customer, cache: ComponentCache, at: number, reason: string): Promise<Subscription> {
    const next: Subscription = this.draft(uow, sub, { ...sub, status: 'cancelled', cancelled_at: at, cancel_reason: reason, next_billing_at: null, scheduled_plan_id: null, scheduled_quantity: null, due_invoices_count: 0, total_dues: 0, due_since: null, next_retry_at: null, dunning_attempt: 0 });
    const billed: Billed[] = [];
    if (sub.status === 'active' || sub.status === 'non_renewing') {
      const snapshot = await cache.snapshot(sub);
      const lines = [...this.arrearsLines(snapshot, sub.current_term_start as number, at), ...(await this.pendingCharges(uow, sub.subscription_id, at, cache))];
      if (lines.length > 0) {
        const last = await this.bill(uow, { snapshot: await cache.snapshot(next), customer, reason: 'cancellation', key: `${sub.subscription_id}:cancellation`, at, periodStart: sub.current_term_start as number, periodEnd: at, lines });
        billed.push(last);
        // Nobody will retry a cancelled subscription's payment: the last invoice stays unpaid.
        if (!last.paid) this.emitInvoice(uow, 'invoice.not-paid', await this.markInvoice(uow, last.invoice, 'not_paid', at), at);
      }
    }
    if (sub.due_invoices_count > 0) {
      for (const due of await this.dueInvoicesOf(uow, sub.subscription_id)) this.emitInvoice(uow, 'invoice.not-paid', await this.markInvoice(uow, due, 'not_paid', at), at);
    }
    return this.finish(uow, sub, next, customer, cache, at, 'subscription.status-updated', billed);
  }

  /** A dunning retry: every due invoice is collected again; after the last scheduled retry fails, the subscription is cancelled. */
  async retryPayment(uow: UnitOfWork, sub: Subscription, customer: Customer, cache: ComponentCache, at: number): Promise<Subscription> {
    const attempt = sub.dunning_attempt + 1;
    const billed: Billed[] = [];
    for (const invoice of await this.dueInvoicesOf(uow, sub.subscription_id)) billed.push(await this.collectAgain(uow, invoice, customer, at, attempt));
    const unpaid = billed.filter((b) => !b.paid);
    if (unpaid.length === 0) return this.finish(uow, sub, { ...sub, due_invoices_count: 0, total_dues: 0, due_since: null, next_retry_at: null, dunning_attempt: 0 }, customer, cache, at, 'subscription.updated', billed);
    const schedule = this.config.dunningScheduleSeconds;
    if (attempt > schedule.length) {
      const cancelled = await this.cancelNow(uow, sub, customer, cache, at, 'not_paid');
      this.emitPayments(uow, billed, subscriptionView(await cache.snapshot(cancelled)), customer, at);
      return cancelled;
    }
    const dueSince = sub.due_since ?? at;
    const next: Subscription = { ...sub, dunning_attempt: attempt, due_invoices_count: unpaid.length, total_dues: unpaid.reduce((sum, b) => sum + b.invoice.amount_due, 0), next_retry_at: dueSince + schedule[attempt - 1]! * 1000 };
    return this.finish(uow, sub, next, customer, cache, at, 'subscription.updated', billed);
  }

  private async dueInvoicesOf(uow: UnitOfWork, subscriptionId: string): Promise<Invoice[]> {
    await this.flush(uow);
    return dueInvoices(uow.trx, uow.env, subscriptionId);
  }

  /** Runs every transition of a subscription due by `now`, in order. */
  async catchUp(uow: UnitOfWork, sub: Subscription, cache: ComponentCache, now: number): Promise<Subscription> {
    let current = sub;
    for (let guard = 0; current.next_action_at !== null && current.next_action_at <= now; guard++) {
      if (guard > 10_000) throw new Error(`subscription ${sub.subscription_id} has more than 10000 due transitions`);
      current = await this.step(uow, current, cache);
    }
    return current;
  }

  /** A prorated upgrade line: the price difference for what is left of the term. */
  prorationLine(before: SubscriptionSnapshot, after: SubscriptionSnapshot, at: number): Line {
    const { sub } = before;
    const oldAmount = componentAmount(before.plan, sub.quantity);
    const newAmount = componentAmount(after.plan, after.sub.quantity);
    const termStart = sub.current_term_start as number;
    const termEnd = sub.current_term_end as number;
    return {
      componentId: after.plan.component_id,
      entityType: 'plan_item_price',
      description: `Upgrade from ${before.plan.component_id} to ${after.plan.component_id}, prorated`,
      quantity: after.sub.quantity,
      unitAmount: newAmount - oldAmount,
      amount: prorate(newAmount - oldAmount, termEnd - at, termEnd - termStart),
      dateFrom: at,
      dateTo: termEnd,
    };
  }
}
