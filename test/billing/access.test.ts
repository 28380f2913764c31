import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALL_SCOPES, type BillingRig, type Caller, type Vendor, caller, customer, flatProduct, invoicesOf, ok, startBillingRig } from './rig.js';

/**
 * Who may call what, from the attacker's side: every route of the published billing OpenAPI document is
 * called without a token, with a garbage token, by a vendor missing exactly the route's scope, by another
 * vendor, and by another shop. What a caller may not reach is "not found", and a refused call changes
 * nothing. Sandbox and live data never see each other.
 */
let rig: BillingRig;
let acme: Vendor;
let rival: Vendor;
let shopId: string;
let shopApi: Caller;
let otherShopApi: Caller;
let subscriptionId: string;
let invoiceId: string;
let apiKey: string;
let rivalKey: string;
let operations: { method: string; path: string; operationId: string; security: string[] }[];

/** Who each operation is for: the scope vendors need, and whether a shop may call it on its own data. */
const RULES: Record<string, { scope?: string; shops?: boolean; public?: boolean; apiKey?: boolean; vendorOnly?: boolean }> = {
  getProductComponents: { public: true },
  downloadInvoicePdf: { public: true },
  createProduct: { scope: 'product.write', vendorOnly: true },
  listProducts: { scope: 'product.read', vendorOnly: true },
  getProduct: { scope: 'product.read', vendorOnly: true },
  updateProduct: { scope: 'product.write', vendorOnly: true },
  createComponent: { scope: 'product.write', vendorOnly: true },
  updateComponent: { scope: 'product.write', vendorOnly: true },
  addCustomer: { scope: 'customer.write', shops: true },
  getCustomer: { scope: 'customer.read', shops: true },
  updateCustomer: { scope: 'customer.write', shops: true },
  setBillingAddress: { scope: 'customer.write', shops: true },
  setPaymentMethod: { scope: 'customer.write', shops: true },
  getCustomerSubscription: { scope: 'subscription.read', shops: true },
  createSubscription: { scope: 'subscription.write', shops: true },
  getTestClock: { scope: 'subscription.write', shops: true },
  advanceTestClock: { scope: 'subscription.write', shops: true },
  getSubscription: { scope: 'subscription.read', shops: true },
  updateSubscription: { scope: 'subscription.write', shops: true },
  cancelSubscription: { scope: 'subscription.write', shops: true },
  reactivateSubscription: { scope: 'subscription.write', shops: true },
  pauseSubscription: { scope: 'subscription.write', shops: true },
  resumeSubscription: { scope: 'subscription.write', shops: true },
  removeScheduledChanges: { scope: 'subscription.write', shops: true },
  setSubscriptionItemQuantity: { scope: 'subscription.write.quantity', vendorOnly: true },
  setSubscriptionItemUsage: { scope: 'subscription.write.usage', vendorOnly: true },
  addSubscriptionChargeAtTerm: { scope: 'subscription.write.charge_at_term', vendorOnly: true },
  addSubscriptionEstimateForCustomer: { scope: 'customer.write.estimate', shops: true },
  getInvoices: { scope: 'invoices.read', shops: true },
  getInvoice: { scope: 'invoices.read', shops: true },
  getInvoiceDownload: { scope: 'invoices.read', shops: true },
  updateSubscriptionQuantity: { apiKey: true },
  getSubscriptionQuantity: { apiKey: true },
};

/** A body each operation accepts, so refusals come from access rules and not from validation. */
function bodyFor(operationId: string): unknown {
  const bodies: Record<string, unknown> = {
    createProduct: { id: `p_${randomUUID().slice(0, 8)}`, name: 'x' },
    updateProduct: { name: 'renamed' },
    createComponent: { id: `c-${randomUUID().slice(0, 8)}`, componentType: 'addon', pricingModel: 'flat_fee', price: 100 },
    updateComponent: { unitDescription: 'seats' },
    addCustomer: { id: randomUUID() },
    updateCustomer: { locale: 'de' },
    setBillingAddress: { billingAddress: { country: 'FR' } },
    setPaymentMethod: { number: '4111111111111111', expiryMonth: 12, expiryYear: 2099, cvc: '123' },
    createSubscription: { productId: 'acme_module', planId: 'acme-pro' },
    advanceTestClock: { seconds: 60 },
    updateSubscription: { subscriptionItemId: 'acme-basic' },
    cancelSubscription: {},
    setSubscriptionItemQuantity: { quantity: 2 },
    setSubscriptionItemUsage: { usageQuantity: 2 },
    addSubscriptionChargeAtTerm: { amount: 100, description: 'x' },
    addSubscriptionEstimateForCustomer: { componentId: 'acme-pro', customerId: shopId, productId: 'acme_module' },
    updateSubscriptionQuantity: { action: 'SET', quantity: 2 },
  };
  return bodies[operationId];
}

function concretePath(path: string): string {
  return path
    .replace('/billing/v1', '')
    .replace('{productId}', 'acme_module')
    .replace('{componentId}', 'acme-pro')
    .replace('{customerId}', shopId)
    .replace('{subscriptionId}', subscriptionId)
    .replace('{subscriptionItemId}', 'acme-pro')
    .replace('{invoiceId}', invoiceId);
}

beforeAll(async () => {
  rig = await startBillingRig({ PSIF_ROLE: 'api' });
  acme = await rig.createVendor('acme');
  rival = await rig.createVendor('rival');
  await flatProduct(acme, 'acme_module', [{ id: 'acme-basic', price: 1000 }, { id: 'acme-pro', price: 2000 }]);
  await flatProduct(rival, 'rival_module', [{ id: 'rival-plan', price: 500 }]);
  shopId = await customer(acme, { country: 'FR' });
  subscriptionId = (await ok(acme.api.call('POST', `/customers/${shopId}/subscriptions`, { productId: 'acme_module', planId: 'acme-basic' }), 201)).id;
  invoiceId = (await invoicesOf(acme, subscriptionId))[0].invoiceId;
  shopApi = caller(rig.ts.url, await rig.shopToken(shopId));
  otherShopApi = caller(rig.ts.url, await rig.shopToken(randomUUID()));
  const key = async (vendor: Vendor) => ((await (await fetch(`${rig.ts.url}/admin/v1/billing/api-keys`, { method: 'POST', headers: { authorization: `Bearer ${rig.admin}`, 'content-type': 'application/json' }, body: JSON.stringify({ vendor: vendor.clientId }) })).json()) as { key: string }).key;
  apiKey = await key(acme);
  rivalKey = await key(rival);
  const document = (await (await fetch(`${rig.ts.url}/openapi/billing.json`)).json()) as { paths: Record<string, Record<string, { operationId: string; security?: Record<string, string[]>[] }>> };
  operations = Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]) => ({ method: method.toUpperCase(), path, operationId: operation.operationId, security: (operation.security ?? []).flatMap((s) => Object.keys(s)) })),
  );
});
afterAll(async () => rig?.close());

async function snapshot(): Promise<string> {
  const sub = await ok(acme.api.call('GET', `/subscriptions/${subscriptionId}`));
  const invoices = await invoicesOf(acme, subscriptionId);
  const customerView = await ok(acme.api.call('GET', `/customers/${shopId}`));
  return JSON.stringify({ sub, invoices, customerView });
}

describe('every billing route', () => {
  it('is classified here, and its documented security matches', () => {
    expect(operations.length).toBeGreaterThanOrEqual(30);
    for (const op of operations) {
      const rule = RULES[op.operationId];
      expect(rule, `${op.operationId} has no access rule in this test`).toBeDefined();
      if (rule!.public) expect(op.security, op.operationId).toEqual([]);
      else expect(op.security, op.operationId).toEqual([rule!.apiKey ? 'billingApiKey' : 'bearerToken']);
    }
  });

  it('refuses callers without credentials, with garbage tokens, and other client kinds, changing nothing', async () => {
    const before = await snapshot();
    const anonymous = caller(rig.ts.url, undefined);
    const garbage = caller(rig.ts.url, 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.');
    const resourceServer = caller(rig.ts.url, await rig.ts.token(await rig.ts.createClient({ kind: 'resource_server', name: 'rs' })));
    for (const op of operations) {
      const rule = RULES[op.operationId]!;
      if (rule.public) continue;
      const path = concretePath(op.path);
      const body = bodyFor(op.operationId);
      const none = await anonymous.call(op.method, path, body);
      if (rule.apiKey) {
        expect(none.body, op.operationId).toMatchObject({ statusCode: 403, errorCode: 'INVALID_API_KEY' });
        expect((await anonymous.call(op.method, path, body, { headers: { 'x-billing-api-key': 'psk_guess' } })).body.errorCode, op.operationId).toBe('INVALID_API_KEY');
        continue;
      }
      expect(none.body, op.operationId).toMatchObject({ statusCode: 401, errorCode: 'UNAUTHORIZED' });
      expect((await garbage.call(op.method, path, body)).body, op.operationId).toMatchObject({ statusCode: 401, errorCode: 'INVALID_TOKEN' });
      // A resource server's token lacks the API audience (401) or is of the wrong kind (403).
      expect([401, 403], op.operationId).toContain((await resourceServer.call(op.method, path, body)).status);
    }
    expect(await snapshot()).toBe(before);
  });

  it('needs exactly its scope: a vendor holding every other scope is refused with INSUFFICIENT_SCOPE', async () => {
    const before = await snapshot();
    for (const op of operations) {
      const rule = RULES[op.operationId]!;
      if (!rule.scope) continue;
      const scopes = ALL_SCOPES.filter((scope) => scope !== rule.scope);
      const missing = await scopedVendor(scopes);
      const answer = await missing.call(op.method, concretePath(op.path), bodyFor(op.operationId));
      expect(answer.body, op.operationId).toMatchObject({ statusCode: 403, errorCode: 'INSUFFICIENT_SCOPE' });
      expect(answer.body.message).toContain(rule.scope);
    }
    expect(await snapshot()).toBe(before);
  });

  it('shows another vendor and another shop nothing of acme\'s, and lets them change nothing', async () => {
    const before = await snapshot();
    for (const op of operations) {
      const rule = RULES[op.operationId]!;
      if (rule.public || op.operationId === 'createProduct' || op.operationId === 'addCustomer' || op.operationId === 'listProducts' || op.operationId === 'getInvoices') continue;
      const path = concretePath(op.path);
      const body = bodyFor(op.operationId);
      const byRival = rule.apiKey ? await rival.api.call(op.method, path, body, { headers: { 'x-billing-api-key': rivalKey } }) : await rival.api.call(op.method, path, body);
      expect([403, 404], `${op.operationId} by rival: ${JSON.stringify(byRival.body)}`).toContain(byRival.status);
      if (byRival.status === 403) expect(byRival.body.errorCode, op.operationId).toBe('FORBIDDEN');
      if (rule.apiKey) continue;
      const byShop = await otherShopApi.call(op.method, path, body);
      expect([403, 404], `${op.operationId} by another shop: ${JSON.stringify(byShop.body)}`).toContain(byShop.status);
      if (rule.vendorOnly) expect(byShop.body.errorCode, op.operationId).toBe('FORBIDDEN');
    }
    expect(await snapshot()).toBe(before);
    // Lists are filtered rather than refused.
    expect((await ok(rival.api.call('GET', '/invoices'))).total).toBe(0);
    expect((await ok(otherShopApi.call('GET', '/invoices'))).total).toBe(0);
    expect((await ok(otherShopApi.call('GET', `/invoices?type=customer&id=${shopId}`))).total).toBe(0);
    expect((await ok(rival.api.call('GET', '/products'))).items.map((p: { id: string }) => p.id)).toEqual(['rival_module']);
    // A rival cannot subscribe acme's customer to acme's product, nor a shop subscribe another shop.
    expect((await rival.api.call('POST', `/customers/${shopId}/subscriptions`, { productId: 'acme_module', planId: 'acme-pro' })).status).toBe(404);
    expect((await otherShopApi.call('POST', `/customers/${shopId}/subscriptions`, { productId: 'acme_module', planId: 'acme-pro' })).status).toBe(404);
  });

  it('lets the shop itself manage its own subscription and read its invoices', async () => {
    expect((await ok(shopApi.call('GET', `/customers/${shopId}/subscriptions/acme_module`))).id).toBe(subscriptionId);
    expect((await ok(shopApi.call('GET', '/invoices'))).items.map((i: { invoiceId: string }) => i.invoiceId)).toContain(invoiceId);
    const download = (await ok(shopApi.call('GET', `/invoices/${invoiceId}/download`))).item;
    const pdf = await fetch(download.downloadUrl);
    expect(pdf.status).toBe(200);
    expect(Buffer.from(await pdf.arrayBuffer()).subarray(0, 5).toString()).toBe('%PDF-');
    expect((await shopApi.call('PUT', `/subscriptions/${subscriptionId}/items/acme-basic/quantity`, { quantity: 3 })).body.errorCode).toBe('FORBIDDEN');
  });
});

describe('signed invoice links', () => {
  it('refuse a tampered signature, another invoice, the other environment, and an expired link', async () => {
    const { downloadUrl } = (await ok(acme.api.call('GET', `/invoices/${invoiceId}/download`))).item;
    const url = new URL(downloadUrl);
    const variants = [
      (u: URL) => u.searchParams.set('signature', `${u.searchParams.get('signature')!.slice(0, -2)}AA`),
      (u: URL) => u.searchParams.set('expires', String(Number(u.searchParams.get('expires')) + 3600)),
      (u: URL) => u.searchParams.delete('sandbox'),
      (u: URL) => u.searchParams.set('expires', String(Math.floor(Date.now() / 1000) - 1)),
    ];
    for (const tamper of variants) {
      const copy = new URL(url);
      tamper(copy);
      const answer = await fetch(copy);
      expect(answer.status, copy.search).toBe(410);
      expect(((await answer.json()) as { errorCode: string }).errorCode).toBe('DOWNLOAD_LINK_EXPIRED');
    }
    expect((await fetch(url)).status).toBe(200);
  });
});

describe('sandbox and live', () => {
  it('keep completely separate data', async () => {
    const live = { sandbox: false };
    expect((await acme.api.call('GET', `/subscriptions/${subscriptionId}`, undefined, live)).status).toBe(404);
    expect((await acme.api.call('GET', `/customers/${shopId}`, undefined, live)).status).toBe(404);
    expect((await acme.api.call('GET', `/invoices/${invoiceId}`, undefined, live)).status).toBe(404);
    expect((await ok(acme.api.call('GET', '/invoices', undefined, live))).total).toBe(0);
    expect((await ok(acme.api.call('GET', '/products', undefined, live))).total).toBe(0);
    expect((await acme.api.call('GET', '/products/acme_module/components', undefined, live)).status).toBe(404);
    // ?sandbox=true is the same switch as the header.
    expect((await ok(acme.api.call('GET', `/subscriptions/${subscriptionId}?sandbox=true`, undefined, live))).id).toBe(subscriptionId);
    expect((await acme.api.call('GET', `/subscriptions/${subscriptionId}?sandbox=maybe`, undefined, live)).body.errorCode).toBe('INVALID_SANDBOX_FLAG');

    // The same ids may exist in both, independently.
    await ok(acme.api.call('POST', '/products', { id: 'acme_module', name: 'Live module' }, live), 201);
    await ok(acme.api.call('POST', '/products/acme_module/components', { id: 'acme-basic', componentType: 'plan', pricingModel: 'flat_fee', price: 0, billingPeriodUnit: 'month' }, live), 201);
    const liveShop = caller(rig.ts.url, await rig.shopToken(shopId), { sandbox: false });
    await ok(liveShop.call('POST', '/customers', { id: shopId }), 201);
    const liveSub = await ok(liveShop.call('POST', `/customers/${shopId}/subscriptions`, { productId: 'acme_module', planId: 'acme-basic' }), 201);
    expect(liveSub.id).not.toBe(subscriptionId);
    expect((await ok(acme.api.call('GET', `/customers/${shopId}/subscriptions/acme_module`))).plan_amount).toBe(1000);
    expect((await ok(acme.api.call('GET', `/customers/${shopId}/subscriptions/acme_module`, undefined, live))).plan_amount).toBe(0);

    // Live has no test clock, no vendor-entered cards, and no gateway unless configured.
    expect((await liveShop.call('POST', `/customers/${shopId}/test-clock/advance`, { seconds: 60 })).body.errorCode).toBe('TEST_CLOCK_SANDBOX_ONLY');
    expect((await acme.api.call('PUT', `/customers/${shopId}/payment-method`, bodyFor('setPaymentMethod'), live)).body.errorCode).toBe('FORBIDDEN');
    expect((await liveShop.call('PUT', `/customers/${shopId}/payment-method`, bodyFor('setPaymentMethod'))).body).toMatchObject({ statusCode: 503, errorCode: 'GATEWAY_NOT_CONFIGURED' });
  });
});

/** A vendor holding only `scopes`. */
async function scopedVendor(scopes: string[]): Promise<Caller> {
  const client = await rig.ts.createClient({ kind: 'vendor', name: `acme-narrow-${randomUUID().slice(0, 6)}`, scopes });
  return caller(rig.ts.url, await rig.ts.token(client, { scope: scopes.join(' ') }));
}
