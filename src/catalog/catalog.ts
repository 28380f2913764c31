import catalogData from './catalog.json' with { type: 'json' };
import extensions from './catalog-extensions.json' with { type: 'json' };

/**
 * The 35 shop contents of ps_eventbus, loaded from catalog.json (a verbatim copy of the spec's data file)
 * and catalog-extensions.json (its prose rules made machine-readable: delete keys, languages, and the Raw
 * API's server-side fields and decimal texts). Tables, upload validation,
 * consents, the Raw API and its OpenAPI schemas all derive from the objects built here.
 */
export const PROPERTY_TYPES = ['string', 'integer', 'number', 'boolean', 'datetime', 'date', 'object'] as const;
export type PropertyType = (typeof PROPERTY_TYPES)[number];

export interface Property {
  /** snake_case wire name, also the column name. */
  name: string;
  camel: string;
  type: PropertyType;
  nullable: boolean;
  /** JSON type of the Raw API where PrestaShop's differs from the wire (ids are strings). */
  rawType: string | undefined;
  /** Text holding a decimal amount that rawType calls an integer (catalog-extensions.json rawDecimalText). */
  rawDecimal?: boolean;
}

/** A field PrestaShop's Raw API adds on its side, as psif fills it: the item's identity or a property's value. */
export interface RawServerField {
  name: string;
  source: 'id' | Property;
}

export interface DeleteMatcher {
  pattern: RegExp;
  /** One column per capture group. */
  columns: Property[];
}

export interface Content {
  /** snake_case name, as in apiShopContent's shop_content and the job's content set. */
  name: string;
  /** kebab-case name used in URLs and live-sync notifications. */
  path: string;
  /** The NDJSON `collection` (only `info` differs: `shops`). */
  collection: string;
  consent: string;
  /** Properties whose values make the row's identity, in order; empty for the per-shop singleton (`info`). */
  idProperties: Property[];
  /** Empty when the module never deletes this content. */
  deleteMatchers: DeleteMatcher[];
  /** Rows are written per shop language, so the table records each row's language. */
  perLanguage: boolean;
  /** Where the row names its own language (otherwise the job's language is used). */
  languageProperty: Property | undefined;
  properties: Property[];
  /** catalog-extensions.json rawServerFields: the server-side fields of the Raw API that psif can fill. */
  rawServerFields: RawServerField[];
  propertyByName: ReadonlyMap<string, Property>;
  /** Position of each property in `properties` (and in a row's values). */
  columnIndex: ReadonlyMap<string, number>;
  /** The table holding this content's rows. */
  table: string;
}

interface RawProperty {
  name: string;
  camel: string;
  type: string;
  nullable: boolean;
  rawType?: string;
}

interface RawContent {
  content: string;
  path: string;
  collection: string;
  consent: string;
  idProperties: string[];
  deleteKey: string | null;
  rowsDependOnLangIso: boolean;
  properties: RawProperty[];
  rawApi?: { serverSideFields?: string[] };
}

interface Extensions {
  deleteMatchers: Record<string, { pattern: string; columns: string[] }[]>;
  languageProperty: Record<string, string>;
  rawServerFields: Record<string, Record<string, string>>;
  rawDecimalText: Record<string, string[]>;
}

export class CatalogError extends Error {
  override name = 'CatalogError';
}

export class Catalog {
  readonly contents: readonly Content[];
  /** The consent names a shop can give, in catalog order (20). */
  readonly consents: readonly string[];
  private readonly byName = new Map<string, Content>();
  private readonly byCollection = new Map<string, Content>();
  private readonly byPath = new Map<string, Content>();

  constructor(raw: readonly RawContent[], ext: Extensions) {
    this.contents = raw.map((entry) => buildContent(entry, ext));
    for (const content of this.contents) {
      for (const [index, key] of [[this.byName, content.name], [this.byCollection, content.collection], [this.byPath, content.path]] as const) {
        if (index.has(key)) throw new CatalogError(`duplicate content key "${key}"`);
        index.set(key, content);
      }
    }
    for (const [what, names] of [['delete matchers', ext.deleteMatchers], ['raw server fields', ext.rawServerFields], ['raw decimal text', ext.rawDecimalText]] as const) {
      for (const name of Object.keys(names)) {
        if (!this.byName.has(name)) throw new CatalogError(`${what} for unknown content "${name}"`);
      }
    }
    this.consents = [...new Set(this.contents.map((c) => c.consent))];
  }

  content(name: string): Content | undefined {
    return this.byName.get(name);
  }

  byUploadCollection(collection: string): Content | undefined {
    return this.byCollection.get(collection);
  }

  /** kebab-case (URLs, live sync) or snake_case: ps_eventbus accepts both for shop_content. */
  byPathOrName(name: string): Content | undefined {
    return this.byPath.get(name) ?? this.byName.get(name);
  }

  /** The contents a consent name covers (`info` covers `info`). */
  contentsOfConsent(consent: string): Content[] {
    return this.contents.filter((c) => c.consent === consent);
  }
}

function buildContent(entry: RawContent, ext: Extensions): Content {
  const properties = entry.properties.map((p): Property => {
    if (!(PROPERTY_TYPES as readonly string[]).includes(p.type)) throw new CatalogError(`${entry.content}.${p.name}: unknown type "${p.type}"`);
    if (!/^[a-z][a-z0-9_]*$/.test(p.name) || p.name === 'id' || p.name === 'shop_id' || p.name.startsWith('sys_')) {
      throw new CatalogError(`${entry.content}.${p.name}: not usable as a column name`);
    }
    const rawDecimal = (ext.rawDecimalText[entry.content] ?? []).includes(p.name);
    return { name: p.name, camel: p.camel, type: p.type as PropertyType, nullable: p.nullable, rawType: p.rawType, ...(rawDecimal ? { rawDecimal } : {}) };
  });
  for (const name of ext.rawDecimalText[entry.content] ?? []) {
    if (!properties.some((p) => p.name === name && p.type === 'string')) throw new CatalogError(`${entry.content}: raw decimal text "${name}" is not a text property`);
  }
  const propertyByName = new Map(properties.map((p) => [p.name, p]));
  const property = (name: string, what: string): Property => {
    const found = propertyByName.get(name);
    if (!found) throw new CatalogError(`${entry.content}: ${what} "${name}" is not a property`);
    return found;
  };
  const matchers = ext.deleteMatchers[entry.content] ?? [];
  if ((entry.deleteKey === null) !== (matchers.length === 0)) {
    throw new CatalogError(`${entry.content}: delete matchers must exist exactly when catalog.json has a deleteKey`);
  }
  const languageName = ext.languageProperty[entry.content];
  const serverSide = entry.rawApi?.serverSideFields ?? [];
  const rawServerFields = Object.entries(ext.rawServerFields[entry.content] ?? {}).map(([name, source]) => {
    if (!serverSide.includes(name)) throw new CatalogError(`${entry.content}: raw server field "${name}" is not among catalog.json's serverSideFields`);
    return { name, source: source === 'id' ? ('id' as const) : property(source, `source of raw server field ${name}`) };
  });
  return {
    name: entry.content,
    path: entry.path,
    collection: entry.collection,
    consent: entry.consent,
    idProperties: entry.idProperties.map((name) => property(name, 'id property')),
    deleteMatchers: matchers.map((m) => {
      const pattern = new RegExp(m.pattern);
      const columns = m.columns.map((name) => property(name, 'delete column'));
      if (new RegExp(`${m.pattern}|`).exec('')!.length - 1 !== columns.length) {
        throw new CatalogError(`${entry.content}: delete pattern ${m.pattern} needs one capture group per column`);
      }
      return { pattern, columns };
    }),
    perLanguage: entry.rowsDependOnLangIso,
    languageProperty: languageName === undefined ? undefined : property(languageName, 'language property'),
    properties,
    rawServerFields,
    propertyByName,
    columnIndex: new Map(properties.map((p, i) => [p.name, i])),
    table: `shop_${entry.content}`,
  };
}

function loadExtensions(): Extensions {
  const { deleteMatchers, languageProperty, rawServerFields, rawDecimalText } = extensions as unknown as Extensions;
  const entries = <T>(record: Record<string, T>) => Object.fromEntries(Object.entries(record).filter(([key]) => !key.startsWith('$')));
  return { deleteMatchers, languageProperty: entries(languageProperty), rawServerFields: entries(rawServerFields), rawDecimalText: entries(rawDecimalText) };
}

/** The catalog psif serves, from the files shipped in the package. */
export const catalog = new Catalog(catalogData as unknown as RawContent[], loadExtensions());
