import { describe, expect, it } from 'vitest';
import { SandboxGateway } from '../../src/billing/gateway/sandbox-gateway.js';
import { addPeriod, nextBoundary } from '../../src/billing/periods.js';
import { componentAmount, prorate, validateTiers } from '../../src/billing/pricing.js';
import { lineTax, taxRateFor } from '../../src/billing/tax.js';

const utc = (iso: string) => Date.parse(iso);
const iso = (ms: number) => new Date(ms).toISOString();

describe('billing periods', () => {
  it('keep the anchor day, clamped to short months, and never drift', () => {
    const jan31 = utc('2027-01-31T10:30:00.000Z');
    expect([1, 2, 3, 13].map((n) => iso(addPeriod(jan31, n, 'month')))).toEqual(['2027-02-28T10:30:00.000Z', '2027-03-31T10:30:00.000Z', '2027-04-30T10:30:00.000Z', '2028-02-29T10:30:00.000Z']);
    expect(iso(addPeriod(utc('2028-02-29T00:00:00.000Z'), 1, 'year'))).toBe('2029-02-28T00:00:00.000Z');
    expect(iso(addPeriod(utc('2027-12-15T00:00:00.000Z'), 1, 'month'))).toBe('2028-01-15T00:00:00.000Z');
    expect(iso(addPeriod(jan31, 10, 'day'))).toBe('2027-02-10T10:30:00.000Z');
    expect(iso(addPeriod(jan31, 2, 'week'))).toBe('2027-02-14T10:30:00.000Z');
  });

  it('find the next boundary after any instant, from the anchor', () => {
    const anchor = utc('2027-01-31T00:00:00.000Z');
    expect(iso(nextBoundary(anchor, utc('2027-02-28T00:00:00.000Z'), 'month'))).toBe('2027-03-31T00:00:00.000Z');
    expect(iso(nextBoundary(anchor, utc('2027-02-27T23:59:59.000Z'), 'month'))).toBe('2027-02-28T00:00:00.000Z');
    expect(iso(nextBoundary(anchor, utc('2031-07-01T00:00:00.000Z'), 'month'))).toBe('2031-07-31T00:00:00.000Z');
    expect(iso(nextBoundary(anchor, anchor, 'year'))).toBe('2028-01-31T00:00:00.000Z');
  });
});

describe('pricing', () => {
  const stairs = { pricing_model: 'stairstep' as const, price: null, free_quantity: 0, tiers: JSON.stringify([{ startingUnit: 1, endingUnit: 10, price: 1000 }, { startingUnit: 11, endingUnit: 100, price: 1500 }, { startingUnit: 101, price: 5000 }]) };

  it('prices each model, free quantities included', () => {
    expect(componentAmount({ pricing_model: 'flat_fee', price: 2000, tiers: null, free_quantity: 0 }, 7)).toBe(2000);
    expect(componentAmount({ pricing_model: 'per_unit', price: 5, tiers: null, free_quantity: 100 }, 500)).toBe(2000);
    expect(componentAmount({ pricing_model: 'per_unit', price: 5, tiers: null, free_quantity: 100 }, 100)).toBe(0);
    expect([1, 10, 11, 100, 101, 100_000].map((q) => componentAmount(stairs, q))).toEqual([1000, 1000, 1500, 1500, 5000, 5000]);
    expect(componentAmount({ ...stairs, free_quantity: 10 }, 10)).toBe(0);
  });

  it('rejects stairstep ladders with gaps, overlaps or an open middle step', () => {
    expect(() => validateTiers([])).toThrow(/at least one tier/);
    expect(() => validateTiers([{ startingUnit: 2, price: 1 }])).toThrow(/must start at unit 1/);
    expect(() => validateTiers([{ startingUnit: 1, endingUnit: 10, price: 1 }, { startingUnit: 12, price: 2 }])).toThrow(/must start at unit 11/);
    expect(() => validateTiers([{ startingUnit: 1, price: 1 }, { startingUnit: 2, price: 2 }])).toThrow(/only the last tier may be open-ended/);
    expect(() => validateTiers([{ startingUnit: 1, endingUnit: 0, price: 1 }])).toThrow(/ends/);
  });

  it('prorates and taxes to the cent, rounding half up', () => {
    expect(prorate(2000, 15, 30)).toBe(1000);
    expect(prorate(1000, 1, 3)).toBe(333);
    expect(prorate(1000, 2, 3)).toBe(667);
    expect(prorate(1000, 40, 30)).toBe(1000);
    expect(lineTax(555, taxRateFor('fr'))).toBe(111);
    expect(lineTax(125, taxRateFor('FR'))).toBe(25);
    expect(lineTax(1500, taxRateFor('DE'))).toBe(285);
    expect(taxRateFor('US')).toBe(0);
    expect(taxRateFor(undefined)).toBe(0);
  });
});

describe('sandbox gateway', () => {
  const gateway = new SandboxGateway();
  const now = utc('2026-11-29T00:00:00.000Z');
  const card = (number: string) => ({ number, expiryMonth: 12, expiryYear: 2030, cvc: '123' });

  it('accepts and charges the success cards, never storing the number', async () => {
    const method = await gateway.attach(card('4111 1111 1111 1111'), now);
    expect(method).toMatchObject({ brand: 'visa', last4: '1111', status: 'valid' });
    expect(JSON.stringify(method)).not.toContain('4111111111111111');
    expect(await gateway.charge({ idempotencyKey: 'inv_1:1', paymentMethod: method, amount: 100, currency: 'EUR', now })).toMatchObject({ status: 'success' });
    // Idempotent by key: the same attempt gets the same gateway id.
    const again = await gateway.charge({ idempotencyKey: 'inv_1:1', paymentMethod: method, amount: 100, currency: 'EUR', now });
    expect(again).toEqual(await gateway.charge({ idempotencyKey: 'inv_1:1', paymentMethod: method, amount: 100, currency: 'EUR', now }));
  });

  it('declines, fails charges and rejects invalid cards as documented', async () => {
    await expect(gateway.attach(card('4000000000000002'), now)).rejects.toMatchObject({ code: 'PAYMENT_DECLINED' });
    await expect(gateway.attach(card('4111111111111112'), now)).rejects.toMatchObject({ code: 'CARD_INVALID' });
    await expect(gateway.attach({ ...card('4111111111111111'), expiryYear: 2026, expiryMonth: 10 }, now)).rejects.toMatchObject({ code: 'CARD_INVALID' });
    const failing = await gateway.attach(card('4000000000000341'), now);
    expect(await gateway.charge({ idempotencyKey: 'k', paymentMethod: failing, amount: 1, currency: 'EUR', now })).toMatchObject({ status: 'failure', errorCode: 'card_declined' });
    const poor = await gateway.attach(card('4000000000009995'), now);
    expect(await gateway.charge({ idempotencyKey: 'k', paymentMethod: poor, amount: 1, currency: 'EUR', now })).toMatchObject({ status: 'failure', errorCode: 'insufficient_funds' });
    const expiring = await gateway.attach({ ...card('5555555555554444'), expiryMonth: 1, expiryYear: 2027 }, now);
    expect(await gateway.charge({ idempotencyKey: 'k', paymentMethod: expiring, amount: 1, currency: 'EUR', now: utc('2027-02-02T00:00:00.000Z') })).toMatchObject({ status: 'failure', errorCode: 'expired_card' });
  });
});
