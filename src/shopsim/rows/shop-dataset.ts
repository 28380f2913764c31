import { catalog } from '../../catalog/catalog.js';
import { CONTENT_RULES, type ContentRules, type Row } from '../content-rules.js';
import { fixtureRows } from './fixtures.js';
import { generatedCategories, generatedInfo, generatedLanguages, isCountryCode } from './generated/shop-basics.js';
import { GeneratedProducts } from './generated/products.js';
import { type SalesSize, generatedCartProducts, generatedCarts, generatedCustomers, generatedOrderDetails, generatedOrders } from './generated/sales.js';
import { ShopLanguages } from './languages.js';
import { ListSource, type RecordRows, type RecordSource, deriveFor } from './record-source.js';

export interface GeneratedShop {
  products: number;
  /** How many languages (en, fr, es, de, it, nl, pt, pl, in that order) or their ISO codes, default first. */
  languages: number | string[];
  orders?: number;
  customers?: number;
  carts?: number;
  categories?: number;
  /** The shop's country (ISO 3166-1 alpha-2) in its `info` content, default the fixture's (GB). */
  country?: string;
}

/** Where the simulated shop's data comes from. */
export type DataSource = { fixtures: string; fixturesDir?: string } | { generated: GeneratedShop };

export interface ShopDataset {
  languages: ShopLanguages;
  sources: ReadonlyMap<string, RecordSource>;
  /** The shop's `shops` object, for the versions the health check reports. */
  info: Row;
}

/** The PrestaShop version whose fixture rows generated shops are cloned from. */
export const TEMPLATE_VERSION = '9.1';

export function buildDataset(source: DataSource): ShopDataset {
  return 'fixtures' in source ? fixtureDataset(source.fixtures, source.fixturesDir) : generatedDataset(source.generated);
}

/**
 * A shop that holds exactly the fixture rows of one PrestaShop version. A row of a content whose rows
 * name their language (products, categories) belongs to that language; any other row is served to every
 * language.
 */
function fixtureDataset(version: string, dir: string | undefined): ShopDataset {
  const info = fixtureRows(version, 'info', dir)[0] ?? {};
  const languageRows = fixtureRows(version, 'languages', dir);
  const list = languageRows.map((row) => ({ iso: String(row.iso_code), id: Number(row.id_lang) }));
  const defaultIso = String(info.default_language ?? list[0]?.iso ?? 'en');
  const ordered = [...list.filter((l) => l.iso === defaultIso), ...list.filter((l) => l.iso !== defaultIso)];
  const languages = new ShopLanguages(ordered.length > 0 ? ordered : [{ iso: defaultIso, id: 1 }]);
  const sources = new Map<string, RecordSource>();
  for (const rules of CONTENT_RULES.values()) {
    const property = rules.content.languageProperty?.name;
    const records = fixtureRows(version, rules.content.name, dir).map((row): RecordRows => new Map([[property ? String(row[property]) : '', row]]));
    sources.set(rules.content.name, new ListSource(rules, records, languages.ids));
  }
  return { languages, sources, info };
}

/**
 * A shop of any size: products, categories, customers, carts and orders generated on demand from the
 * 9.1 fixture rows; every other content holds the 9.1 fixture rows (one per shop language for contents
 * whose rows carry their language).
 */
function generatedDataset(options: GeneratedShop): ShopDataset {
  const languages = ShopLanguages.generated(options.languages);
  if (!Number.isSafeInteger(options.products) || options.products < 1) throw new Error('products must be a positive integer');
  if (options.country !== undefined && !isCountryCode(options.country)) throw new Error(`country must be an ISO 3166-1 alpha-2 code, not "${options.country}"`);
  const orders = options.orders ?? Math.max(5, Math.ceil(options.products / 10));
  const size: SalesSize = {
    products: options.products,
    orders,
    customers: options.customers ?? Math.max(2, Math.ceil(options.products / 20)),
    carts: Math.max(options.carts ?? orders + Math.ceil(orders / 4), orders),
  };
  const fixture = (name: string) => fixtureRows(TEMPLATE_VERSION, name);
  const rule = (name: string) => CONTENT_RULES.get(name)!;
  const generators: Record<string, () => RecordSource> = {
    products: () => new GeneratedProducts(rule('products'), size.products, languages, fixture('products')),
    categories: () => generatedCategories(rule('categories'), options.categories ?? Math.max(9, Math.ceil(options.products / 100)), languages, fixture('categories')),
    languages: () => generatedLanguages(rule('languages'), languages, fixture('languages')),
    info: () => generatedInfo(rule('info'), languages, fixture('info'), options.country),
    customers: () => generatedCustomers(rule('customers'), size, languages, fixture('customers')),
    carts: () => generatedCarts(rule('carts'), size, languages, fixture('carts')),
    cart_products: () => generatedCartProducts(rule('cart_products'), size, languages, fixture('cart_products')),
    orders: () => generatedOrders(rule('orders'), size, languages, fixture('orders')),
    order_details: () => generatedOrderDetails(rule('order_details'), size, languages, fixture('order_details')),
  };
  const sources = new Map<string, RecordSource>();
  for (const content of catalog.contents) {
    const generate = generators[content.name];
    sources.set(content.name, generate ? generate() : verbatim(rule(content.name), fixture(content.name), languages));
  }
  return { languages, sources, info: fixture('info')[0] ?? {} };
}

function verbatim(rules: ContentRules, rows: readonly Row[], languages: ShopLanguages): ListSource {
  const records = rows.map((row): RecordRows => (rules.localized ? new Map(languages.isos.map((lang) => [lang, deriveFor(rules, row, lang, languages.ids)])) : new Map([['', row]])));
  return new ListSource(rules, records, languages.ids);
}
