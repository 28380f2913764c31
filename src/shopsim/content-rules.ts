import { type Content, catalog } from '../catalog/catalog.js';

/** One row of a shop content: the `properties` of an upload line. */
export type Row = Record<string, unknown>;

/** Which shop languages a hook queues its entries for (`$hasMultiLang` of insertContentIntoIncremental). */
export type HookLanguages = 'all' | 'default';

/**
 * What ps_eventbus knows about a content beyond the catalog: how its rows are found again (the keys its
 * SQL filters on), which of their fields depend on the language, and what its actionObject hooks queue
 * (cloudsync-protocol §4.3, §4.4, checked against the module's src/Traits/Hooks).
 */
export interface ContentRules {
  content: Content;
  /** The row's identity across languages: an upsert replaces the rows of the same record key. */
  recordKey(row: Row): string;
  /** The `id_object` the module queues for this row, matched by its incremental query. */
  incrementalKey(row: Row): string;
  /** The numeric ids a clone of a row gets new values for, to become a new record. */
  idFields: readonly string[];
  /** Rows of one product (products only): a bare "{id_product}" delete and the product hooks. */
  groupKey(row: Row): string;
  /** The language-dependent and composite fields of a row, set for one language. */
  derive(row: Row, lang: string, langId: number): Row;
  /** derive() gives each language its own row (otherwise one row serves every language). */
  localized: boolean;
  /** Upsert hook (Add/Update): the languages it queues for, or null when no hook exists. */
  upsertHook: HookLanguages | null;
  /** Delete hook: the languages it queues for, or null when the module never signals deletes. */
  deleteHook: HookLanguages | null;
}

const str = (value: unknown): string => (value === null || value === undefined ? '' : String(value));
const joined = (names: readonly string[]) => (row: Row) => names.map((name) => str(row[name])).join('-');

/** Record keys where the catalog identity holds the language (or more than the entity id). */
const RECORD_KEYS: Record<string, string[]> = {
  products: ['id_product_attribute'],
  categories: ['id_category'],
  stores: ['id_store'],
  suppliers: ['id_supplier'],
};

/** The column each content's incremental query filters on (catalog incrementalKey, in code). */
const INCREMENTAL_KEYS: Record<string, string[]> = {
  bundles: ['id_bundle'],
  carriers: ['id_carrier'],
  // The module filters on the carrier id; details and taxes only carry the carrier's id_reference, which
  // is the id of the carrier's first version (equal to id_carrier until the carrier is edited).
  carrier_details: ['id_reference'],
  carrier_taxes: ['id_reference'],
  carts: ['id_cart'],
  cart_products: ['id_cart'],
  cart_rules: ['id_cart_rule'],
  categories: ['id_category'],
  currencies: ['id_currency'],
  customers: ['id_customer'],
  employees: ['id_employee'],
  images: ['id_image'],
  image_types: ['id_image_type'],
  languages: ['id_lang'],
  manufacturers: ['id_manufacturer'],
  modules: ['module_id'],
  orders: ['id_order'],
  order_carriers: ['id_order_carrier'],
  order_cart_rules: ['id_order_cart_rule'],
  order_details: ['id_order_detail'],
  order_status_history: ['id_order_history'],
  products: ['id_product_attribute'],
  custom_product_carriers: ['id_product', 'id_carrier_reference'],
  product_suppliers: ['id_product'],
  info: [],
  specific_prices: ['id_specific_price'],
  stocks: ['id_stock_available'],
  stock_movements: ['id_stock_mvt'],
  stores: ['id_store'],
  suppliers: ['id_supplier'],
  taxonomies: ['id_category'],
  themes: ['theme_id'],
  translations: ['id_translation'],
  wishlists: ['id_wishlist'],
  wishlist_products: ['id_wishlist'],
};

/** [upsert hook languages, delete hook languages] per content; absent: no hook at all (§4.4). */
const HOOKS: Record<string, [HookLanguages | null, HookLanguages | null]> = {
  bundles: ['all', null],
  carriers: ['default', 'default'],
  carrier_details: ['default', null],
  carrier_taxes: ['default', null],
  carts: ['all', null],
  cart_products: ['all', null],
  cart_rules: ['default', 'default'],
  categories: ['all', 'default'],
  currencies: ['all', 'default'],
  customers: ['all', 'default'],
  employees: ['default', 'default'],
  // ImageDelete queues an upsert in every language: the module loses image deletes.
  images: ['all', 'all'],
  image_types: ['all', 'all'],
  languages: ['all', 'default'],
  manufacturers: ['all', 'default'],
  orders: ['default', null],
  order_carriers: ['default', null],
  order_cart_rules: ['default', null],
  order_details: ['default', null],
  order_status_history: ['default', null],
  products: ['all', 'default'],
  custom_product_carriers: ['all', 'all'],
  product_suppliers: ['all', null],
  specific_prices: ['default', 'default'],
  stocks: ['all', null],
  stock_movements: ['all', null],
  stores: ['all', 'default'],
  suppliers: ['all', 'default'],
  wishlists: ['all', 'default'],
  wishlist_products: ['all', null],
};

/** Replaces the language suffix of "{id}-{attribute}-{iso}" style ids. */
function withLanguageSuffix(value: unknown, lang: string): string {
  const text = str(value);
  const cut = text.lastIndexOf('-');
  return `${cut < 0 ? text : text.slice(0, cut)}-${lang}`;
}

const DERIVE: Record<string, (row: Row, lang: string, langId: number) => Row> = {
  products: (row, lang) => {
    const idProductAttribute = row.id_product !== undefined && row.id_attribute !== undefined ? `${str(row.id_product)}-${str(row.id_attribute)}` : str(row.id_product_attribute);
    return { ...row, id_product_attribute: idProductAttribute, unique_product_id: `${idProductAttribute}-${lang}`, iso_code: lang };
  },
  categories: (row, lang) => ({ ...row, unique_category_id: `${str(row.id_category)}-${lang}`, iso_code: lang }),
  bundles: (row, lang) => ({ ...row, unique_product_id: withLanguageSuffix(row.unique_product_id ?? `${str(row.id_bundle)}-0`, lang) }),
  stores: (row, _lang, langId) => ({ ...row, id_lang: langId }),
  suppliers: (row, _lang, langId) => ({ ...row, id_lang: langId }),
  // Composite ids the module builds in SQL, recomputed so that changed ids stay consistent.
  cart_products: (row) => ({ ...row, id_cart_product: `${str(row.id_cart)}-${str(row.id_product)}-${str(row.id_product_attribute)}` }),
};

function rulesOf(content: Content): ContentRules {
  const recordKey = RECORD_KEYS[content.name] ?? content.idProperties.map((p) => p.name);
  const incremental = INCREMENTAL_KEYS[content.name];
  if (!incremental) throw new Error(`shop simulator: no incremental key for ${content.name}`);
  const [upsertHook, deleteHook] = HOOKS[content.name] ?? [null, null];
  const derive = DERIVE[content.name];
  const incrementalKey = joined(incremental);
  // Composite ids (id_product_attribute, id_cart_product...) are derived again from these.
  const idFields = content.name === 'products' ? ['id_product', 'id_attribute'] : [...new Set([...recordKey.slice(0, 1), ...incremental])];
  return {
    content,
    recordKey: joined(recordKey),
    incrementalKey,
    idFields,
    groupKey: content.name === 'products' ? (row) => str(row.id_product) : incrementalKey,
    derive: derive ?? ((row) => row),
    localized: derive !== undefined && content.perLanguage,
    upsertHook,
    deleteHook,
  };
}

/** The rules of every content, by snake_case name. */
export const CONTENT_RULES: ReadonlyMap<string, ContentRules> = new Map(catalog.contents.map((content) => [content.name, rulesOf(content)]));

export function rulesFor(name: string): ContentRules {
  const rules = CONTENT_RULES.get(name);
  if (!rules) throw new Error(`unknown shop content "${name}"`);
  return rules;
}

/** info and themes: one call sends everything and ends the full sync (getFullSyncContentLeft is 0). */
export const SINGLE_PAGE_CONTENTS: ReadonlySet<string> = new Set(['info', 'themes']);
