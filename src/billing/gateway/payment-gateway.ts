/** What psif keeps of a payment method: the gateway's reference and what a customer needs to recognise it. */
export interface PaymentMethod {
  type: 'card';
  gateway: string;
  referenceId: string;
  brand: string;
  last4: string;
  expiryMonth: number;
  expiryYear: number;
  status: 'valid' | 'expired';
}

export interface CardInput {
  number: string;
  expiryMonth: number;
  expiryYear: number;
  cvc: string;
}

export type ChargeResult =
  | { status: 'success'; idAtGateway: string }
  | { status: 'failure'; idAtGateway: string | null; errorCode: string; errorText: string };

/**
 * A payment gateway. `charge` must be idempotent by `idempotencyKey` (as Stripe's and Chargebee's are):
 * the billing clock may repeat a charge whose transaction did not commit, and must not charge twice.
 */
export interface PaymentGateway {
  readonly name: string;
  /** Turns card details into a stored reference; throws a BillingError (CARD_INVALID, PAYMENT_DECLINED) when refused. */
  attach(card: CardInput, now: number): Promise<PaymentMethod>;
  charge(input: { idempotencyKey: string; paymentMethod: PaymentMethod; amount: number; currency: string; now: number }): Promise<ChargeResult>;
}
