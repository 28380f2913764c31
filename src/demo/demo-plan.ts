import { catalog } from '../catalog/catalog.js';
import { BILLING_SCOPES } from '../billing/billing-access.js';

/**
 * What the demo seeds, as data: vendors and their modules, the consents each module asks for, the
 * countries of the simulated shops, and the billing catalog. Kept apart from the seeding so the shape of
 * the demo is readable in one place.
 */

export interface DemoModule {
  name: string;
  /** Consents the shops give to it ("info" is added by psif to any non-empty set). */
  consents: readonly string[];
}

export interface DemoVendor {
  name: string;
  modules: readonly DemoModule[];
}

/** Every billing scope: demo vendors manage their products, read invoices and advance test clocks. */
export const VENDOR_SCOPES: readonly string[] = Object.keys(BILLING_SCOPES);

/**
 * The first vendor's first module asks for every consent, so that vendor reaches every content of every
 * shop (the Raw API calls printed at the end, the newman runs); the others ask for what such a module would.
 */
export const DEMO_VENDORS: readonly DemoVendor[] = [
  {
    name: 'acme',
    modules: [
      { name: 'ps_acme_insights', consents: catalog.consents.filter((c) => c !== 'info') },
      { name: 'ps_acme_reviews', consents: ['products', 'categories', 'customers', 'orders'] },
    ],
  },
  { name: 'globex', modules: [{ name: 'ps_globex_marketing', consents: ['products', 'categories', 'customers', 'carts', 'orders', 'currencies', 'languages'] }] },
  { name: 'initech', modules: [{ name: 'ps_initech_shipping', consents: ['carriers', 'orders', 'stores', 'stocks'] }] },
];

/** Country of each shop in turn (ISO 3166-1 alpha-2) and its language, put first among the shop's languages. */
export const DEMO_COUNTRIES: readonly { code: string; language: string }[] = [
  { code: 'FR', language: 'fr' },
  { code: 'DE', language: 'de' },
  { code: 'ES', language: 'es' },
  { code: 'IT', language: 'it' },
  { code: 'GB', language: 'en' },
  { code: 'NL', language: 'nl' },
  { code: 'PL', language: 'pl' },
  { code: 'PT', language: 'pt' },
  { code: 'US', language: 'en' },
  { code: 'BE', language: 'fr' },
];

/**
 * Which vendors a shop installs, by its index among `count` shops: every shop the first vendor, every
 * other shop the second, every third the third; the last shop installed the third vendor and revoked it
 * (an inactive installation), so the demo has shops with one, two and three vendors.
 */
export function installationsOf(index: number, count: number): { vendor: DemoVendor; revoked: boolean }[] {
  const [first, second, third] = DEMO_VENDORS as [DemoVendor, DemoVendor, DemoVendor];
  const last = index === count - 1 && count > 1;
  return [
    { vendor: first, revoked: false },
    ...(index % 2 === 0 ? [{ vendor: second, revoked: false }] : []),
    ...(index % 3 === 0 && !last ? [{ vendor: third, revoked: false }] : []),
    ...(last ? [{ vendor: third, revoked: true }] : []),
  ];
}

/** The billing product of a vendor (its id is its first module's name, as PrestaShop's billing does) and its plans. */
export function billingCatalog(vendor: DemoVendor) {
  const productId = vendor.modules[0]!.name;
  const group = `${vendor.name}-standard`;
  return {
    productId,
    name: `${capitalize(vendor.name)} ${vendor.modules[0]!.name.replace(/^ps_\w+?_/, '')}`,
    plans: {
      /** Flat fee, paid at once. */
      flat: { id: `${vendor.name}-standard-EUR-Monthly`, componentType: 'plan', componentGroupId: group, pricingModel: 'flat_fee', price: 1990, currencyCode: 'EUR', billingPeriodUnit: 'month' },
      /** Flat fee after a 14-day trial. */
      trial: { id: `${vendor.name}-premium-EUR-Monthly`, componentType: 'plan', componentGroupId: `${vendor.name}-premium`, pricingModel: 'flat_fee', price: 4990, currencyCode: 'EUR', billingPeriodUnit: 'month', trialPeriodValue: 14, trialPeriodUnit: 'day' },
      /** Stairstep by number of products: 1–100, 101–1000, 1001 and more. */
      stairstep: {
        id: `${vendor.name}-catalog-EUR-Monthly`, componentType: 'plan', componentGroupId: `${vendor.name}-catalog`, pricingModel: 'stairstep', currencyCode: 'EUR', billingPeriodUnit: 'month', unitDescription: 'products',
        tiers: [{ startingUnit: 1, endingUnit: 100, price: 900 }, { startingUnit: 101, endingUnit: 1000, price: 2900 }, { startingUnit: 1001, price: 7900 }],
      },
    },
  } as const;
}

/** The subscription each installation gets, in turn: the demo holds every common state. */
export const SUBSCRIPTION_KINDS = ['active', 'in_trial', 'stairstep', 'cancelled'] as const;
export type SubscriptionKind = (typeof SUBSCRIPTION_KINDS)[number];

function capitalize(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}
