import type { BillingComponentTable } from '../platform/db/schema.js';
import { billingError } from './billing-errors.js';

export interface Tier {
  startingUnit: number;
  endingUnit?: number | undefined;
  /** Stairstep: the price of the whole step, whatever the quantity inside it. */
  price: number;
}

export type PricedComponent = Pick<BillingComponentTable, 'pricing_model' | 'price' | 'tiers' | 'free_quantity'>;

/** Checks a stairstep ladder: steps start at 1, follow each other without gaps, only the last is open. */
export function validateTiers(tiers: Tier[]): Tier[] {
  if (tiers.length === 0) throw billingError('INVALID_TIERS', 'a stairstep component needs at least one tier');
  let expected = 1;
  tiers.forEach((tier, i) => {
    const last = i === tiers.length - 1;
    if (tier.startingUnit !== expected) throw billingError('INVALID_TIERS', `tier ${i + 1} must start at unit ${expected}, not ${tier.startingUnit}`);
    if (tier.endingUnit === undefined) {
      if (!last) throw billingError('INVALID_TIERS', `only the last tier may be open-ended (tier ${i + 1} has no endingUnit)`);
    } else {
      if (tier.endingUnit < tier.startingUnit) throw billingError('INVALID_TIERS', `tier ${i + 1} ends (${tier.endingUnit}) before it starts (${tier.startingUnit})`);
      expected = tier.endingUnit + 1;
    }
  });
  return tiers;
}

export function tiersOf(component: Pick<BillingComponentTable, 'tiers'>): Tier[] {
  return component.tiers ? (JSON.parse(component.tiers) as Tier[]) : [];
}

/** The step a quantity falls in (the last one beyond a closed ladder). */
export function tierFor(tiers: Tier[], quantity: number): Tier | undefined {
  return tiers.find((tier) => quantity >= tier.startingUnit && (tier.endingUnit === undefined || quantity <= tier.endingUnit)) ?? tiers.at(-1);
}

/**
 * What a component costs for one term at a quantity (or a term's usage), in minor units. Nothing is
 * charged up to the free quantity; per-unit prices count only the units above it.
 */
export function componentAmount(component: PricedComponent, quantity: number): number {
  const free = component.free_quantity;
  if (quantity <= free) return 0;
  switch (component.pricing_model) {
    case 'flat_fee':
      return component.price ?? 0;
    case 'per_unit':
      return (component.price ?? 0) * (quantity - free);
    case 'stairstep':
      return tierFor(tiersOf(component), quantity)?.price ?? 0;
  }
}

/** The unit price a line shows: the flat or per-unit price, or the step's price for stairstep. */
export function unitPrice(component: PricedComponent, quantity: number): number {
  if (component.pricing_model === 'stairstep') return tierFor(tiersOf(component), quantity)?.price ?? 0;
  return component.price ?? 0;
}

/** A share of an amount for the part of a term left, rounded half up to the minor unit. */
export function prorate(amount: number, remainingMs: number, termMs: number): number {
  if (termMs <= 0 || remainingMs <= 0) return 0;
  return Math.round((amount * Math.min(remainingMs, termMs)) / termMs);
}
