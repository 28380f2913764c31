import type { Kysely } from 'kysely';
import type { BillingEnv, Database } from '../../platform/db/schema.js';
import { componentAmount, type PricedComponent } from '../pricing.js';

export interface BillingKpis {
  environment: BillingEnv;
  /** Paying subscriptions: active or cancelling at term end. */
  activeSubscriptions: number;
  trialSubscriptions: number;
  /** Monthly recurring revenue per currency, in minor units, before tax. */
  mrr: { currency: string; amount: number }[];
  churn: { cancelled: number; activeAtStart: number; rate: number | null };
}

const PAYING = ['active', 'non_renewing'] as const;

/**
 * Subscription KPIs of one vendor's products (or every vendor's): counts, MRR and churn over a window.
 *
 * MRR is what the paying subscriptions' plans and fixed addons would bill for a term at their current
 * quantities, a yearly term counted as a twelfth per month; usage-based items are left out (they are not
 * recurring amounts). Churn is the share of the subscriptions paying at the window's start that were
 * cancelled within it; subscriptions activated during the window do not count in either term.
 */
export class BillingKpiReport {
  constructor(private readonly db: Kysely<Database>) {}

  async kpis(input: { vendorClientId: string | null; env: BillingEnv; start: number; end: number }): Promise<BillingKpis> {
    const { vendorClientId, env, start, end } = input;
    const subscriptions = this.db
      .selectFrom('billing_subscriptions')
      .where('env', '=', env)
      .$if(vendorClientId !== null, (qb) => qb.where('vendor_client_id', '=', vendorClientId!));
    const [current, churn] = await Promise.all([
      subscriptions.select(['status', 'plan_id', 'quantity', 'addons']).where('status', 'in', [...PAYING, 'in_trial']).execute(),
      subscriptions
        .select((eb) => [
          eb.fn.countAll<number | string>().filterWhere('cancelled_at', '>=', start).as('cancelled'),
          eb.fn.countAll<number | string>().as('activeAtStart'),
        ])
        .where('activated_at', '<', start)
        .where((eb) => eb.or([eb('cancelled_at', 'is', null), eb('cancelled_at', '>=', start)]))
        .where((eb) => eb.or([eb('cancelled_at', 'is', null), eb('cancelled_at', '<', end)]))
        .executeTakeFirst(),
    ]);
    const paying = current.filter((s) => s.status !== 'in_trial');
    const cancelled = Number(churn?.cancelled ?? 0);
    const activeAtStart = Number(churn?.activeAtStart ?? 0);
    return {
      environment: env,
      activeSubscriptions: paying.length,
      trialSubscriptions: current.length - paying.length,
      mrr: await this.mrr(env, paying),
      churn: { cancelled, activeAtStart, rate: activeAtStart === 0 ? null : cancelled / activeAtStart },
    };
  }

  private async mrr(env: BillingEnv, paying: { plan_id: string; quantity: number; addons: string }[]): Promise<BillingKpis['mrr']> {
    const lines = paying.flatMap((s) => [
      { componentId: s.plan_id, quantity: s.quantity, planId: s.plan_id },
      ...(JSON.parse(s.addons) as { componentId: string; quantity: number }[]).map((a) => ({ componentId: a.componentId, quantity: a.quantity, planId: s.plan_id })),
    ]);
    const ids = [...new Set(lines.flatMap((l) => [l.componentId, l.planId]))];
    if (ids.length === 0) return [];
    const components = new Map<string, PricedComponent & { currency: string; is_usage_based: number; billing_period_unit: string | null }>();
    // Chunks keep the IN list under SQLite's bound-parameter limit.
    for (let i = 0; i < ids.length; i += 500) {
      const rows = await this.db
        .selectFrom('billing_components')
        .select(['component_id', 'pricing_model', 'price', 'tiers', 'free_quantity', 'currency', 'is_usage_based', 'billing_period_unit'])
        .where('env', '=', env)
        .where('component_id', 'in', ids.slice(i, i + 500))
        .execute();
      for (const row of rows) components.set(row.component_id, row);
    }
    const totals = new Map<string, number>();
    for (const line of lines) {
      const component = components.get(line.componentId);
      if (!component || component.is_usage_based) continue;
      const perTerm = componentAmount(component, line.quantity);
      // Addons bill with their plan's term.
      const period = component.billing_period_unit ?? components.get(line.planId)?.billing_period_unit;
      const monthly = period === 'year' ? perTerm / 12 : perTerm;
      totals.set(component.currency, (totals.get(component.currency) ?? 0) + monthly);
    }
    return [...totals].map(([currency, amount]) => ({ currency, amount: Math.round(amount) })).sort((a, b) => b.amount - a.amount || a.currency.localeCompare(b.currency));
  }
}
