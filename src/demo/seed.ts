import { randomUUID } from 'node:crypto';
import { type ClientCredentials, type PsifClient, psifClient } from '../client/psif-client.js';
import { ShopSimulator } from '../shopsim/shop-simulator.js';
import { DEMO_COUNTRIES, DEMO_VENDORS, type DemoVendor, SUBSCRIPTION_KINDS, type SubscriptionKind, VENDOR_SCOPES, billingCatalog, installationsOf } from './demo-plan.js';
import { type Progress, silentProgress } from './progress.js';
import { shopToken } from './shop-token.js';

/**
 * Seeds a running psif (role all: its sync worker pulls the shops) through its HTTP APIs, with the typed
 * client, as a vendor and its shops would: vendors and modules (admin API), simulated shops registered
 * and consenting (admin and shop APIs), full syncs triggered by the vendors (Sync API) and followed
 * (Reporting API), and billing (Billing API): each vendor's product with flat and stairstep plans, bought
 * by the shops that installed it. Only the first admin client comes from outside.
 */

export interface SeedOptions {
  /** psif's public URL: the shops reach it there too. */
  baseUrl: string;
  admin: ClientCredentials;
  shops: number;
  /** Generated products per shop (default 300). */
  products?: number;
  progress?: Progress;
  /** Longest wait for the first full syncs (default 180 s); the seed goes on, reporting the laggards. */
  syncTimeoutMs?: number;
  /**
   * Billing data to seed: sandbox (default: works on any psif) or live, which needs a payment gateway
   * for the paid subscriptions (`PSIF_BILLING_LIVE_GATEWAY=sandbox`, as the demo configures it).
   */
  billing?: 'live' | 'sandbox';
  /** Stops the seeding: the simulated shops close at once, and the seed rejects at its next step. */
  signal?: AbortSignal;
}

export interface SeededVendor {
  name: string;
  clientId: string;
  clientSecret: string;
  /** Scopes to ask for in its tokens (the billing ones). */
  scope: string;
  modules: string[];
  productId: string;
  planIds: string[];
}

export interface SeededShop {
  shopId: string;
  url: string;
  country: string;
  languages: string[];
  clientId: string;
  clientSecret: string;
  /** Modules the shop consents to now. */
  modules: string[];
  /** Modules whose consents it revoked (inactive installations). */
  revokedModules: string[];
  /** Vendors whose every module it consents to. */
  vendors: string[];
}

export interface SeededSubscription {
  id: string;
  vendor: string;
  shopId: string;
  productId: string;
  planId: string;
  status: string;
}

export interface DemoSeed {
  billing: 'live' | 'sandbox';
  vendors: SeededVendor[];
  shops: SeededShop[];
  subscriptions: SeededSubscription[];
  /** Shops whose first full sync did not end in time (empty when every content was pulled). */
  unsynced: string[];
  simulators: ShopSimulator[];
  /** Stops the simulated shops. */
  close(): Promise<void>;
}

/** Thrown when psif refuses a seeding call: names the call, the status and psif's error body. */
export class SeedError extends Error {
  override name = 'SeedError';
}

export async function seedDemo(options: SeedOptions): Promise<DemoSeed> {
  const progress = options.progress ?? silentProgress;
  const admin = psifClient({ baseUrl: options.baseUrl, credentials: options.admin });
  const simulators: ShopSimulator[] = [];
  const close = async () => {
    await Promise.all(simulators.map((s) => s.close()));
  };
  // Closed shops make psif's running pulls fail at once, so a server stopping beside the seed stops fast.
  options.signal?.addEventListener('abort', () => void close(), { once: true });
  try {
    const vendors = await seedVendors(admin, progress);
    const shops = await seedShops(admin, options, progress, simulators);
    const unsynced = await syncShops(options, progress, shops, vendors);
    const subscriptions = await seedBilling(options, progress, shops, vendors);
    return { billing: options.billing ?? 'sandbox', vendors, shops, subscriptions, unsynced, simulators, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** The data of an openapi-fetch answer, or a SeedError naming the call. */
async function must<T>(what: string, call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  const { data, error, response } = await call;
  if (error !== undefined || data === undefined) throw new SeedError(`${what}: ${response.status} ${JSON.stringify(error ?? null)}`);
  return data;
}

async function seedVendors(admin: PsifClient, progress: Progress): Promise<SeededVendor[]> {
  const bar = progress.bar('vendors and modules', DEMO_VENDORS.length);
  const vendors: SeededVendor[] = [];
  for (const vendor of DEMO_VENDORS) {
    const created = await must(`create vendor ${vendor.name}`, admin.POST('/admin/v1/clients', { body: { kind: 'vendor', name: vendor.name, scopes: [...VENDOR_SCOPES] } }));
    for (const module of vendor.modules) await must(`create module ${module.name}`, admin.POST('/admin/v1/modules', { body: { name: module.name, vendor: vendor.name } }));
    const billing = billingCatalog(vendor);
    vendors.push({
      name: vendor.name,
      clientId: created.client.clientId,
      clientSecret: created.clientSecret,
      scope: VENDOR_SCOPES.join(' '),
      modules: vendor.modules.map((m) => m.name),
      productId: billing.productId,
      planIds: Object.values(billing.plans).map((p) => p.id),
    });
    bar.update(vendors.length, vendor.name);
  }
  bar.stop();
  return vendors;
}

/** A vendor's client for the Raw, Reporting, Sync and Billing APIs (billing calls in sandbox data with `sandbox`). */
export function vendorClient(baseUrl: string, vendor: SeededVendor, options: { sandbox?: boolean } = {}): PsifClient {
  return psifClient({
    baseUrl,
    credentials: { clientId: vendor.clientId, clientSecret: vendor.clientSecret, scope: vendor.scope },
    headers: options.sandbox ? { sandbox: 'true' } : undefined,
  });
}

/** A shop's client: its own consents, and billing (its customer, card and subscriptions; in sandbox data with `sandbox`). */
export function shopClient(baseUrl: string, shop: SeededShop, options: { sandbox?: boolean } = {}): PsifClient {
  return psifClient({ baseUrl, token: shopToken(baseUrl, shop), headers: options.sandbox ? { sandbox: 'true' } : undefined });
}

async function seedShops(admin: PsifClient, options: SeedOptions, progress: Progress, simulators: ShopSimulator[]): Promise<SeededShop[]> {
  const bar = progress.bar('simulated shops', options.shops);
  const shops: SeededShop[] = [];
  for (let index = 0; index < options.shops; index++) {
    options.signal?.throwIfAborted();
    const country = DEMO_COUNTRIES[index % DEMO_COUNTRIES.length]!;
    const languages = [...new Set([country.language, 'en'])];
    const simulator = new ShopSimulator({
      shopId: randomUUID(),
      psifUrl: options.baseUrl,
      source: { generated: { products: options.products ?? 300, languages, country: country.code } },
      // The module waits 5 minutes before notifying a change; a demo shows changes at once.
      liveSyncDebounceMs: 0,
    });
    simulators.push(simulator);
    const url = await simulator.listen(0, '127.0.0.1');
    const registered = await must(`register shop ${simulator.shopId}`, admin.POST('/admin/v1/shops', { body: { shopId: simulator.shopId, url, languages } }));
    simulator.useCredentials({ clientId: registered.clientId, clientSecret: registered.clientSecret });
    const shop: SeededShop = { shopId: simulator.shopId, url, country: country.code, languages, clientId: registered.clientId, clientSecret: registered.clientSecret, modules: [], revokedModules: [], vendors: [] };
    await consent(options.baseUrl, shop, index, options.shops);
    shops.push(shop);
    bar.update(shops.length, `${country.code} ${shop.shopId.slice(0, 8)}`);
  }
  bar.stop();
  return shops;
}

/** The shop gives its consents with its own token, as ps_eventbus does on installation; then revokes some. */
async function consent(baseUrl: string, shop: SeededShop, index: number, count: number): Promise<void> {
  const client = shopClient(baseUrl, shop);
  for (const { vendor, revoked } of installationsOf(index, count)) {
    for (const module of vendor.modules) {
      const path = { shopId: shop.shopId, moduleName: module.name };
      await must(`consents of ${shop.shopId} to ${module.name}`, client.PUT('/sync/v1/shops/{shopId}/consents/{moduleName}', { params: { path }, body: { consents: [...module.consents] as never } }));
      if (revoked) {
        const { response } = await client.DELETE('/sync/v1/shops/{shopId}/consents/{moduleName}', { params: { path } });
        if (response.status !== 204) throw new SeedError(`revoke consents of ${shop.shopId} to ${module.name}: ${response.status}`);
        shop.revokedModules.push(module.name);
      } else shop.modules.push(module.name);
    }
    if (!revoked) shop.vendors.push(vendor.name);
  }
}

const POLL_MS = 500;

/**
 * Each vendor triggers a full sync of what it may read (the worker pulls consented shops on its own too;
 * a pull already queued is reused), then the first vendor, which every shop installed, follows the
 * first full syncs through the Reporting API: one bar per shop, in contents finished.
 */
async function syncShops(options: SeedOptions, progress: Progress, shops: SeededShop[], vendors: SeededVendor[]): Promise<string[]> {
  const clients = new Map(vendors.map((v) => [v.name, vendorClient(options.baseUrl, v)]));
  for (const shop of shops) {
    for (const vendor of DEMO_VENDORS) {
      if (!shop.vendors.includes(vendor.name)) continue;
      const shopContents = contentsOf(vendor);
      await must(`trigger a full sync of ${shop.shopId} for ${vendor.name}`, clients.get(vendor.name)!.POST('/sync/v1/sync/trigger-full', { body: { shopId: shop.shopId, shopContents } }));
    }
  }
  const follower = clients.get(DEMO_VENDORS[0]!.name)!;
  const bars = new Map(shops.map((shop) => [shop.shopId, progress.bar(`sync ${shop.country} ${shop.shopId.slice(0, 8)}`, 1)]));
  const pending = new Set(shops.map((s) => s.shopId));
  const deadline = Date.now() + (options.syncTimeoutMs ?? 180_000);
  while (pending.size > 0 && Date.now() < deadline) {
    options.signal?.throwIfAborted();
    for (const shopId of [...pending]) {
      const state = await must(`sync state of ${shopId}`, follower.GET('/reporting/v1/shop/{shopId}/sync-state', { params: { path: { shopId } } }));
      const finished = state.items.filter((item) => item.lastFullSyncFinishedAt !== null && item.activeTask === null);
      const rows = state.items.reduce((sum, item) => sum + item.rowCount, 0);
      const bar = bars.get(shopId)!;
      bar.setTotal(state.items.length);
      bar.update(finished.length, `contents, ${rows} rows`);
      if (state.items.length > 0 && finished.length === state.items.length) {
        bar.stop();
        pending.delete(shopId);
      }
    }
    if (pending.size > 0) await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  return [...pending];
}

function contentsOf(vendor: DemoVendor): string[] {
  return [...new Set(vendor.modules.flatMap((m) => [...m.consents]))];
}

/**
 * Billing: each vendor creates its product and plans; each shop creates its customer, its billing address
 * and a test card (in live data only the shop itself may), and buys one plan of each vendor it installed,
 * in turn active, in trial, stairstep by quantity, or cancelled at once.
 */
async function seedBilling(options: SeedOptions, progress: Progress, shops: SeededShop[], vendors: SeededVendor[]): Promise<SeededSubscription[]> {
  const installations = shops.flatMap((shop) => shop.vendors.map((vendor) => ({ shop, vendor })));
  const sandbox = (options.billing ?? 'sandbox') === 'sandbox';
  const bar = progress.bar('billing: products and subscriptions', vendors.length + shops.length + installations.length);
  let done = 0;
  options.signal?.throwIfAborted();
  for (const vendor of vendors) {
    const client = vendorClient(options.baseUrl, vendor, { sandbox });
    const billing = billingCatalog(DEMO_VENDORS.find((v) => v.name === vendor.name)!);
    await must(`product ${billing.productId}`, client.POST('/billing/v1/products', { body: { id: billing.productId, name: billing.name, description: `${billing.name}, a demo module` } }));
    for (const plan of Object.values(billing.plans)) {
      await must(`plan ${plan.id}`, client.POST('/billing/v1/products/{productId}/components', { params: { path: { productId: billing.productId } }, body: structuredClone(plan) as never }));
    }
    bar.update(++done, vendor.name);
  }
  for (const [index, shop] of shops.entries()) {
    const client = shopClient(options.baseUrl, shop, { sandbox });
    const customerId = shop.shopId;
    await must(`customer ${customerId}`, client.POST('/billing/v1/customers', { body: { id: customerId, email: `owner@shop-${index + 1}.example`, locale: localeOf(shop.languages[0]!) } }));
    await must(`billing address of ${customerId}`, client.PUT('/billing/v1/customers/{customerId}/billing-address', { params: { path: { customerId } }, body: { billingAddress: { company: `Demo shop ${index + 1}`, city: 'Demo city', country: shop.country } } }));
    await must(`card of ${customerId}`, client.PUT('/billing/v1/customers/{customerId}/payment-method', { params: { path: { customerId } }, body: { number: '4111111111111111', expiryMonth: 12, expiryYear: new Date().getUTCFullYear() + 3, cvc: '123' } }));
    bar.update(++done, `customer ${shop.country}`);
  }
  const subscriptions: SeededSubscription[] = [];
  for (const [index, { shop, vendor: vendorName }] of installations.entries()) {
    const vendor = vendors.find((v) => v.name === vendorName)!;
    const kind: SubscriptionKind = SUBSCRIPTION_KINDS[index % SUBSCRIPTION_KINDS.length]!;
    subscriptions.push(await subscribe(options.baseUrl, shop, vendor, kind, sandbox));
    bar.update(++done, `${kind} ${vendor.name}`);
  }
  bar.stop();
  return subscriptions;
}

async function subscribe(baseUrl: string, shop: SeededShop, vendor: SeededVendor, kind: SubscriptionKind, sandbox: boolean): Promise<SeededSubscription> {
  const client = shopClient(baseUrl, shop, { sandbox });
  const billing = billingCatalog(DEMO_VENDORS.find((v) => v.name === vendor.name)!);
  const plan = kind === 'in_trial' ? billing.plans.trial : kind === 'stairstep' ? billing.plans.stairstep : billing.plans.flat;
  const customerId = shop.shopId;
  const body = { productId: billing.productId, planId: plan.id, ...(kind === 'stairstep' ? { quantity: 250 } : {}) };
  let subscription = await must(`subscription of ${customerId} to ${plan.id}`, client.POST('/billing/v1/customers/{customerId}/subscriptions', { params: { path: { customerId } }, body }));
  if (kind === 'cancelled') {
    const cancelled = await must(`cancel ${subscription.id}`, client.POST('/billing/v1/subscriptions/{subscriptionId}/cancel', { params: { path: { subscriptionId: subscription.id } }, body: { endOfTerm: false } }));
    subscription = cancelled.item;
  }
  return { id: subscription.id, vendor: vendor.name, shopId: shop.shopId, productId: billing.productId, planId: plan.id, status: subscription.status };
}

const BILLING_LOCALES = new Set(['de', 'en', 'es', 'fr', 'it', 'nl', 'pl', 'pt', 'ro']);
function localeOf(language: string): 'de' | 'en' | 'es' | 'fr' | 'it' | 'nl' | 'pl' | 'pt' | 'ro' {
  return (BILLING_LOCALES.has(language) ? language : 'en') as 'en';
}
