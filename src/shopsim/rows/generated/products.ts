import type { ContentRules, Row } from '../../content-rules.js';
import type { ShopLanguages } from '../languages.js';
import type { KeyKind } from '../record-source.js';
import type { RowTemplate } from '../row-template.js';
import { EPOCH, GeneratedSource, type Rendered, compile, phpDate, positiveId, round2 } from './generated-source.js';

/**
 * Product k (id k + 1) of a generated shop. Products come in blocks of 9: the 1st, 4th and 7th have 2, 3
 * and 4 combinations (one row each, id_attribute > 0), the others none (one row, id_attribute 0). A block
 * is 15 rows and uses 9 attribute ids, so rows, products and attributes map onto each other in O(1).
 */
const BLOCK_PRODUCTS = 9;
const BLOCK_ROWS = 15;
const BLOCK_ATTRIBUTES = 9;
const COMBINATIONS = [2, 0, 0, 3, 0, 0, 4, 0, 0];
const FIRST_ROW = [0, 2, 3, 4, 7, 8, 9, 13, 14];
const ATTRIBUTES_BEFORE = [0, 2, 2, 2, 5, 5, 5, 9, 9];
const ROW_PRODUCT = [0, 0, 1, 2, 3, 3, 3, 4, 5, 6, 6, 6, 6, 7, 8];

export interface ProductLayout {
  /** Number of rows (combinations) of `products` products. */
  rows(products: number): number;
  /** id_attribute of the first combination of product k, or 0 for a product without combinations. */
  firstAttribute(k: number): number;
}

export const PRODUCT_LAYOUT: ProductLayout = {
  rows: (products) => BLOCK_ROWS * Math.floor(products / BLOCK_PRODUCTS) + FIRST_ROW[products % BLOCK_PRODUCTS]!,
  firstAttribute: (k) => (COMBINATIONS[k % BLOCK_PRODUCTS]! > 0 ? attributeId(k, 0) : 0),
};

function attributeId(k: number, combination: number): number {
  return BLOCK_ATTRIBUTES * Math.floor(k / BLOCK_PRODUCTS) + ATTRIBUTES_BEFORE[k % BLOCK_PRODUCTS]! + combination + 1;
}

function rowsOfProduct(k: number): number {
  return Math.max(1, COMBINATIONS[k % BLOCK_PRODUCTS]!);
}

function firstRowOf(k: number): number {
  return BLOCK_ROWS * Math.floor(k / BLOCK_PRODUCTS) + FIRST_ROW[k % BLOCK_PRODUCTS]!;
}

const VARYING = [
  'id_product', 'id_attribute', 'is_default_attribute', 'name', 'link_rewrite', 'reference', 'quantity', 'weight',
  'price_tax_excl', 'price_tax_incl', 'sale_price_tax_excl', 'sale_price_tax_incl', 'tax', 'sale_tax',
  'created_at', 'updated_at', 'unique_product_id', 'id_product_attribute', 'iso_code', 'link',
] as const;

const NAME_SUFFIX: Record<string, (id: number) => string> = {
  en: (id) => ` #${id}`,
  fr: (id) => ` – édition n° ${id}`,
  es: (id) => ` – edición n.º ${id}`,
  de: (id) => ` – Ausführung Nr. ${id}`,
};

/**
 * Products cloned from the fixture's: a product with combinations copies one of the fixture's products
 * with combinations (one fixture row per combination, cycling), a simple product one of its simple
 * products. Ids, names, references, links, stock, weights, prices and dates vary; every other property
 * keeps the fixture's value and type.
 */
export class GeneratedProducts extends GeneratedSource {
  private readonly simple: RowTemplate[];
  private readonly withCombinations: RowTemplate[][];

  constructor(rules: ContentRules, products: number, languages: ShopLanguages, fixture: readonly Row[]) {
    super(rules, PRODUCT_LAYOUT.rows(products), languages);
    const groups = new Map<unknown, Row[]>();
    for (const row of fixture.filter((r) => r.iso_code === undefined || r.iso_code === fixture[0]?.iso_code)) {
      const group = groups.get(row.id_product);
      if (group) group.push(row);
      else groups.set(row.id_product, [row]);
    }
    const all = [...groups.values()];
    this.simple = compile(rules, all.filter((g) => g.length === 1 && Number(g[0]!.id_attribute) === 0).map((g) => g[0]!), VARYING);
    this.withCombinations = all.filter((g) => Number(g[0]!.id_attribute) > 0).map((g) => compile(rules, g, VARYING));
    if (this.withCombinations.length === 0) throw new Error('the products fixture has no product with combinations');
  }

  protected render(index: number, lang: string): Rendered {
    const block = Math.floor(index / BLOCK_ROWS);
    const r = index % BLOCK_ROWS;
    const k = block * BLOCK_PRODUCTS + ROW_PRODUCT[r]!;
    const combination = r - FIRST_ROW[k % BLOCK_PRODUCTS]!;
    const combined = COMBINATIONS[k % BLOCK_PRODUCTS]! > 0;
    const group = combined ? this.withCombinations[(block * 3 + Math.floor((k % BLOCK_PRODUCTS) / 3)) % this.withCombinations.length]! : undefined;
    const template = group ? group[combination % group.length]! : this.simple[k % this.simple.length]!;
    const t = template.template;
    const id = k + 1;
    const attribute = combined ? attributeId(k, combination) : 0;
    const factor = 0.5 + ((k * 7919) % 1000) / 500;
    const taxRate = [0.2, 0.1, 0.055, 0][k % 4]!;
    const discount = [0, 0.1, 0.2, 0.35][(k >> 2) % 4]!;
    const created = EPOCH + ((k * 104_729) % 63_072_000) * 1000;
    const excl = round2(Number(t.price_tax_excl) * factor + combination * 1.5);
    const incl = round2(excl * (1 + taxRate));
    const saleExcl = round2(excl * (1 - discount));
    const saleIncl = round2(incl * (1 - discount));
    const slug = `${String(t.link_rewrite)}-${id}`;
    const idProductAttribute = `${id}-${attribute}`;
    const suffix = (NAME_SUFFIX[lang] ?? ((n: number) => ` [${lang}] #${n}`))(id);
    return {
      template,
      values: [
        id, attribute, attribute === 0 || combination === 0, `${String(t.name)}${suffix}`, slug,
        `demo_${id}${attribute === 0 ? '' : `_${attribute}`}`, (k * 13 + combination * 5) % 500, round2(Number(t.weight) * factor),
        excl, incl, saleExcl, saleIncl, round2(incl - excl), round2(saleIncl - saleExcl),
        phpDate(created), phpDate(created + ((k * 31) % 90) * 86_400_000), `${idProductAttribute}-${lang}`, idProductAttribute, lang,
        `http://localhost:8000/${lang}/${id}-${attribute}-${slug}.html`,
      ],
    };
  }

  find(kind: KeyKind, key: string): number[] {
    if (kind === 'group') {
      const k = positiveId(key) - 1;
      if (k < 0 || firstRowOf(k) >= this.size) return [];
      return Array.from({ length: rowsOfProduct(k) }, (_, c) => firstRowOf(k) + c);
    }
    const match = /^([1-9]\d{0,14})-(\d{1,15})$/.exec(key);
    if (!match) return [];
    const k = Number(match[1]) - 1;
    const attribute = Number(match[2]);
    if (firstRowOf(k) >= this.size) return [];
    const combinations = COMBINATIONS[k % BLOCK_PRODUCTS]!;
    if (combinations === 0) return attribute === 0 ? [firstRowOf(k)] : [];
    const combination = attribute - attributeId(k, 0);
    return combination >= 0 && combination < combinations ? [firstRowOf(k) + combination] : [];
  }
}
