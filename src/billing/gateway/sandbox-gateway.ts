import { createHash } from 'node:crypto';
import { billingError } from '../billing-errors.js';
import type { CardInput, ChargeResult, PaymentGateway, PaymentMethod } from './payment-gateway.js';

/**
 * Test cards of the sandbox gateway (docs/billing.md). Any other number that passes the Luhn check is
 * accepted and charged successfully, like 4111 1111 1111 1111.
 */
export const TEST_CARDS = {
  '4111111111111111': { brand: 'visa', behaviour: 'succeeds', description: 'Every charge succeeds.' },
  '5555555555554444': { brand: 'mastercard', behaviour: 'succeeds', description: 'Every charge succeeds.' },
  '4000000000000002': { brand: 'visa', behaviour: 'declined_on_attach', description: 'Refused when added: `PAYMENT_DECLINED` (card_declined).' },
  '4000000000000341': { brand: 'visa', behaviour: 'charges_fail', description: 'Added, but every charge fails with card_declined: use it to test dunning.' },
  '4000000000009995': { brand: 'visa', behaviour: 'charges_fail_funds', description: 'Added, but every charge fails with insufficient_funds.' },
} as const;

type Behaviour = (typeof TEST_CARDS)[keyof typeof TEST_CARDS]['behaviour'];

export class SandboxGateway implements PaymentGateway {
  readonly name = 'sandbox';

  async attach(card: CardInput, now: number): Promise<PaymentMethod> {
    const number = card.number.replace(/[\s-]/g, '');
    if (!/^\d{12,19}$/.test(number) || !luhn(number)) throw billingError('CARD_INVALID', 'the card number is not valid');
    if (!/^\d{3,4}$/.test(card.cvc)) throw billingError('CARD_INVALID', 'the CVC must be 3 or 4 digits');
    const expiry = new Date(Date.UTC(card.expiryYear, card.expiryMonth, 1)).getTime();
    if (card.expiryMonth < 1 || card.expiryMonth > 12 || expiry <= now) throw billingError('CARD_INVALID', 'the card has expired');
    const known = TEST_CARDS[number as keyof typeof TEST_CARDS];
    if (known?.behaviour === 'declined_on_attach') throw billingError('PAYMENT_DECLINED', 'the card was declined (card_declined)');
    const behaviour: Behaviour = known?.behaviour ?? 'succeeds';
    return {
      type: 'card',
      gateway: this.name,
      // The reference encodes the behaviour, so charges need no lookup and the number is never stored.
      referenceId: `sbx_${behaviour}_${createHash('sha256').update(number).digest('hex').slice(0, 16)}`,
      brand: known?.brand ?? brandOf(number),
      last4: number.slice(-4),
      expiryMonth: card.expiryMonth,
      expiryYear: card.expiryYear,
      status: 'valid',
    };
  }

  async charge(input: { idempotencyKey: string; paymentMethod: PaymentMethod; amount: number; currency: string; now: number }): Promise<ChargeResult> {
    const idAtGateway = `sbx_ch_${createHash('sha256').update(input.idempotencyKey).digest('hex').slice(0, 20)}`;
    const reference = input.paymentMethod.referenceId;
    if (reference.startsWith('sbx_charges_fail_funds_')) return { status: 'failure', idAtGateway, errorCode: 'insufficient_funds', errorText: 'The card has insufficient funds.' };
    if (reference.startsWith('sbx_charges_fail_')) return { status: 'failure', idAtGateway, errorCode: 'card_declined', errorText: 'The card was declined.' };
    const expiry = Date.UTC(input.paymentMethod.expiryYear, input.paymentMethod.expiryMonth, 1);
    if (expiry <= input.now) return { status: 'failure', idAtGateway, errorCode: 'expired_card', errorText: 'The card has expired.' };
    return { status: 'success', idAtGateway };
  }
}

/** Live data without a configured gateway: nothing can be paid, so paid plans cannot be bought. */
export class NoGateway implements PaymentGateway {
  readonly name = 'none';

  async attach(): Promise<PaymentMethod> {
    throw billingError('GATEWAY_NOT_CONFIGURED');
  }

  async charge(input: { idempotencyKey: string }): Promise<ChargeResult> {
    return { status: 'failure', idAtGateway: null, errorCode: 'gateway_not_configured', errorText: `no payment gateway is configured (${input.idempotencyKey})` };
  }
}

function luhn(number: string): boolean {
  let sum = 0;
  for (let i = 0; i < number.length; i++) {
    let digit = Number(number[number.length - 1 - i]);
    if (i % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return sum % 10 === 0;
}

function brandOf(number: string): string {
  if (number.startsWith('4')) return 'visa';
  if (/^5[1-5]/.test(number) || /^2[2-7]/.test(number)) return 'mastercard';
  if (/^3[47]/.test(number)) return 'american_express';
  return 'other';
}
