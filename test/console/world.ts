import { randomUUID } from 'node:crypto';
import { ShopSimulator } from '../../src/shopsim/shop-simulator.js';
import { ALL_SCOPES, CARDS, caller, flatProduct, ok } from '../billing/rig.js';
import { type TestServer, freePort, startTestServer } from '../support/server.js';
import { FAST_SYNC_ENV, syncSettled } from '../support/sync.js';

export interface Credentials {
  clientId: string;
  clientSecret: string;
}

/**
 * A psif with real data: an admin, two vendors with a module each, a simulated shop consenting to each,
 * and one paying sandbox subscription of acme.
 */
export interface ConsoleWorld {
  ts: TestServer;
  admin: Credentials;
  acme: Credentials;
  /** Consents to acme's ps_acme, in France. */
  acmeShop: ShopSimulator;
  /** Consents to globex's ps_globex only, in Germany: acme must never see it. */
  globexShop: ShopSimulator;
  /** The monthly price of acme's one sandbox subscription, in cents of EUR. */
  acmeMonthlyPrice: number;
  close(): Promise<void>;
}

const CONSENTS = ['info', 'products'];

export async function startConsoleWorld(): Promise<ConsoleWorld> {
  const ts = await startTestServer(FAST_SYNC_ENV);
  const core = ts.server.core;
  const sims: ShopSimulator[] = [];
  try {
    const admin = await ts.createClient({ kind: 'admin', name: 'ops' });
    const acme = await ts.createClient({ kind: 'vendor', name: 'acme', scopes: ALL_SCOPES });
    await ts.createClient({ kind: 'vendor', name: 'globex' });
    await core.shops.modules.create('ps_acme', 'acme');
    await core.shops.modules.create('ps_globex', 'globex');
    const shop = async (country: string, module: string) => {
      const sim = new ShopSimulator({ shopId: randomUUID(), psifUrl: ts.url, liveSyncDebounceMs: 0, source: { generated: { products: 30, languages: 1, country } } });
      sims.push(sim);
      const url = await sim.listen(await freePort());
      sim.useCredentials(await core.shops.shops.register(sim.shopId, { url, languages: [...sim.languages] }));
      // The shop's consent starts its full sync, as when a merchant accepts the module's consent screen.
      await core.shops.consents.replace(sim.shopId, module, CONSENTS, 'test');
      return sim;
    };
    const acmeShop = await shop('FR', 'ps_acme');
    const globexShop = await shop('DE', 'ps_globex');
    await syncSettled(ts, acmeShop.shopId);
    await syncSettled(ts, globexShop.shopId);

    const acmeMonthlyPrice = 1999;
    const billing = { name: 'acme', clientId: acme.clientId, api: caller(ts.url, await ts.token(acme, { scope: ALL_SCOPES.join(' ') })) };
    await flatProduct(billing, 'acme_module', [{ id: 'acme-monthly', price: acmeMonthlyPrice }]);
    const customerId = randomUUID();
    await ok(billing.api.call('POST', '/customers', { id: customerId, email: 'merchant@shop.test' }), 201);
    await ok(billing.api.call('PUT', `/customers/${customerId}/payment-method`, { number: CARDS.ok, expiryMonth: 12, expiryYear: 2099, cvc: '123' }));
    await ok(billing.api.call('POST', `/customers/${customerId}/subscriptions`, { productId: 'acme_module', planId: 'acme-monthly' }), 201);
    return {
      ts,
      admin,
      acme,
      acmeShop,
      globexShop,
      acmeMonthlyPrice,
      async close() {
        await ts.close();
        for (const sim of sims) await sim.close();
      },
    };
  } catch (error) {
    await ts.close();
    for (const sim of sims) await sim.close();
    throw error;
  }
}
