import { ApiError } from '../platform/http/api-error.js';

/**
 * Every `errorCode` the Billing API answers, with its status and meaning: the single source of the error
 * handler's mapping, the OpenAPI descriptions and docs/billing.md (a test checks the doc verbatim).
 */
export const BILLING_ERRORS = {
  VALIDATION_FAILED: [400, 'The request does not match the route schema (body, query or path); `message` names the field.'],
  INVALID_SANDBOX_FLAG: [400, 'The `sandbox` header or query parameter is neither `true` nor `false`.'],
  INVALID_TIERS: [400, 'Stairstep tiers must start at 1, be contiguous, and only the last may be open-ended.'],
  INVALID_COMPONENT: [400, 'The component cannot be used here: not a plan (or addon) of this product, archived, or of another currency.'],
  PLAN_AND_PERIOD_CHANGE_NOT_SUPPORTED: [400, 'A plan change must keep the billing period, or change only the period within the same plan group.'],
  SAME_PLAN: [400, 'The subscription is already on this plan.'],
  ITEM_NOT_IN_SUBSCRIPTION: [400, 'The subscription item id is not one of the subscription\'s items.'],
  NOT_USAGE_BASED: [400, 'Usage can only be reported for a usage-based item; quantities only for items that are not.'],
  INVALID_QUANTITY: [400, 'The resulting quantity must be at least 1.'],
  COUPON_NOT_FOUND: [400, 'No coupon has this code (psif has no coupons yet).'],
  CARD_INVALID: [400, 'The card number, expiry or CVC is invalid.'],
  TEST_CLOCK_SANDBOX_ONLY: [400, 'Test clocks exist only in sandbox: send `sandbox: true` or `?sandbox=true`.'],
  TEST_CLOCK_BACKWARDS: [400, 'A test clock only moves forward, by at most ten years per call.'],
  UNAUTHORIZED: [401, 'No access token: send `Authorization: Bearer <token>`.'],
  INVALID_TOKEN: [401, 'The access token is invalid, expired or revoked.'],
  PAYMENT_DECLINED: [402, 'The payment method was declined; nothing was created or changed.'],
  PAYMENT_METHOD_REQUIRED: [402, 'A paid plan without a trial needs a payment method on the customer first.'],
  FORBIDDEN: [403, 'The token may not use this route or this resource (another vendor\'s product, another shop).'],
  INSUFFICIENT_SCOPE: [403, 'The token lacks the scope the route needs; the message names it.'],
  INVALID_API_KEY: [403, 'The `X-BILLING-API-KEY` header is missing, unknown or revoked.'],
  ROUTE_NOT_FOUND: [404, 'No such route.'],
  PRODUCT_NOT_FOUND: [404, 'No product with this id (in this environment).'],
  COMPONENT_NOT_FOUND: [404, 'No component with this id (in this environment).'],
  CUSTOMER_NOT_FOUND: [404, 'No customer with this id (in this environment).'],
  SUBSCRIPTION_NOT_FOUND: [404, 'No subscription with this id, or none of this customer to this product.'],
  INVOICE_NOT_FOUND: [404, 'No invoice with this id (in this environment).'],
  PRODUCT_ALREADY_EXISTS: [409, 'A product with this id exists.'],
  COMPONENT_ALREADY_EXISTS: [409, 'A component with this id exists.'],
  CUSTOMER_ALREADY_EXISTS: [409, 'A customer with this id exists.'],
  SUBSCRIPTION_ALREADY_EXISTS: [409, 'The customer already has a subscription to this product that is not cancelled.'],
  INVALID_STATUS_TRANSITION: [409, 'The subscription\'s status does not allow this action (the message says which status it is in).'],
  CONCURRENT_UPDATE: [409, 'The subscription changed while this request was handled; retry it.'],
  DOWNLOAD_LINK_EXPIRED: [410, 'The invoice download link has expired or its signature is wrong; ask for a new one.'],
  PAYLOAD_TOO_LARGE: [413, 'The request body is larger than 1 MiB.'],
  UNSUPPORTED_MEDIA_TYPE: [415, 'Send JSON bodies with `Content-Type: application/json`.'],
  RATE_LIMITED: [429, 'Too many requests.'],
  INTERNAL_ERROR: [500, 'Unexpected error; it is logged with the request id.'],
  GATEWAY_NOT_CONFIGURED: [503, 'Live payments need a payment gateway (PSIF_BILLING_LIVE_GATEWAY); use sandbox to test.'],
} as const satisfies Record<string, readonly [number, string]>;

export type BillingErrorCode = keyof typeof BILLING_ERRORS;

/** A Billing API error: serialised as `{statusCode, errorCode, message}`. */
export function billingError(code: BillingErrorCode, message?: string): ApiError {
  const [status, meaning] = BILLING_ERRORS[code];
  return new ApiError(status, code, message ?? meaning);
}

/** The Markdown table of error codes, for OpenAPI descriptions and docs/billing.md. */
export function billingErrorTable(): string {
  const rows = Object.entries(BILLING_ERRORS).map(([code, [status, meaning]]) => `| ${status} | \`${code}\` | ${meaning} |`);
  return ['| Status | errorCode | Meaning |', '|---|---|---|', ...rows].join('\n');
}
