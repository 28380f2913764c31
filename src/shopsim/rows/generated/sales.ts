import { createHash } from 'node:crypto';
import type { ContentRules, Row } from '../../content-rules.js';
import type { ShopLanguages } from '../languages.js';
import type { KeyKind } from '../record-source.js';
import { CHILDREN, EPOCH, GeneratedSource, type Rendered, SequentialSource, compile, like, phpDate, positiveId, round2, spread } from './generated-source.js';
import { PRODUCT_LAYOUT } from './products.js';

/** How big the generated shop is; carts 1..orders belong to orders 1..orders, the others are abandoned. */
export interface SalesSize {
  products: number;
  customers: number;
  orders: number;
  carts: number;
}

const dates = (index: number) => {
  const created = EPOCH + ((index * 7_919) % 31_536_000) * 1000;
  return [phpDate(created), phpDate(created + (index % 30) * 3_600_000)];
};

/** The product a cart or order line points at: a real generated product and its first combination. */
function productOfLine(size: SalesSize, parent: number, position: number): [number, number] {
  const k = (parent * 31 + position * 7) % size.products;
  return [k + 1, PRODUCT_LAYOUT.firstAttribute(k)];
}

export function generatedCustomers(rules: ContentRules, size: SalesSize, languages: ShopLanguages, fixture: readonly Row[]): SequentialSource {
  const templates = compile(rules, fixture, ['id_customer', 'id_lang', 'newsletter', 'created_at', 'updated_at', 'email_hash']);
  return new SequentialSource(rules, size.customers, languages, (index) => {
    const template = templates[index % templates.length]!;
    const t = template.template;
    const id = index + 1;
    // What the module sends: a SHA-256 of the customer's e-mail address, never the address itself.
    const emailHash = createHash('sha256').update(`customer${id}@shop.example`).digest('hex');
    return { template, values: [like(t.id_customer, id), like(t.id_lang, (index % languages.list.length) + 1), index % 4 === 0, ...dates(index), emailHash] };
  });
}

export function generatedCarts(rules: ContentRules, size: SalesSize, languages: ShopLanguages, fixture: readonly Row[]): SequentialSource {
  const templates = compile(rules, fixture, ['id_cart', 'created_at', 'updated_at']);
  return new SequentialSource(rules, size.carts, languages, (index) => {
    const template = templates[index % templates.length]!;
    return { template, values: [like(template.template.id_cart, index + 1), ...dates(index)] };
  });
}

export function generatedOrders(rules: ContentRules, size: SalesSize, languages: ShopLanguages, fixture: readonly Row[]): SequentialSource {
  const varying = ['id_order', 'reference', 'id_customer', 'id_cart', 'total_paid_tax_excl', 'total_paid_tax_incl', 'total_products', 'total_products_wt', 'created_at', 'updated_at'];
  const templates = compile(rules, fixture, varying);
  return new SequentialSource(rules, size.orders, languages, (index) => {
    const template = templates[index % templates.length]!;
    const t = template.template;
    // The catalog types total_products as an integer (the fixtures only hold whole amounts).
    const products = 20 + spread(index, 200);
    const shipping = Number(t.total_paid_tax_excl) - Number(t.total_products);
    return {
      template,
      values: [
        like(t.id_order, index + 1), reference(index), like(t.id_customer, (index % size.customers) + 1), like(t.id_cart, index + 1),
        round2(products + shipping), round2((products + shipping) * 1.2), products, Math.round(products * 1.2), ...dates(index),
      ],
    };
  });
}

/** Nine capital letters, as PrestaShop's order references. */
function reference(index: number): string {
  let n = spread(index, 1_000_000_007) * 1_000 + index;
  let text = '';
  for (let i = 0; i < 9; i++) {
    text += String.fromCharCode(65 + (n % 26));
    n = Math.floor(n / 26);
  }
  return text;
}

/** Lines of parents with 1, 2 or 3 lines each (cart products, order details). */
class LinesSource extends GeneratedSource {
  constructor(
    rules: ContentRules,
    parents: number,
    languages: ShopLanguages,
    private readonly renderLine: (index: number, parent: number, position: number) => Rendered,
    private readonly keyIsParent: (kind: KeyKind) => boolean,
  ) {
    super(rules, CHILDREN.total(parents), languages);
  }

  protected render(index: number): Rendered {
    const { parent, position } = CHILDREN.of(index);
    return this.renderLine(index, parent, position);
  }

  find(kind: KeyKind, key: string): number[] {
    if (this.keyIsParent(kind)) {
      const parent = positiveId(key) - 1;
      if (parent < 0 || CHILDREN.first(parent) >= this.size) return [];
      return Array.from({ length: CHILDREN.count(parent) }, (_, i) => CHILDREN.first(parent) + i);
    }
    if (kind === 'record' && this.rules.content.name === 'cart_products') {
      const parent = positiveId(key.split('-')[0] ?? '') - 1;
      if (parent < 0 || CHILDREN.first(parent) >= this.size) return [];
      const lines = Array.from({ length: CHILDREN.count(parent) }, (_, i) => CHILDREN.first(parent) + i);
      return lines.filter((index) => this.rules.recordKey(this.rows(index).get('')!) === key);
    }
    const index = positiveId(key) - 1;
    return index >= 0 && index < this.size ? [index] : [];
  }
}

export function generatedCartProducts(rules: ContentRules, size: SalesSize, languages: ShopLanguages, fixture: readonly Row[]): GeneratedSource {
  const templates = compile(rules, fixture, ['id_cart', 'id_product', 'id_product_attribute', 'quantity', 'id_cart_product']);
  return new LinesSource(rules, size.carts, languages, (index, parent, position) => {
    const template = templates[index % templates.length]!;
    const t = template.template;
    const [product, attribute] = productOfLine(size, parent, position);
    return {
      template,
      values: [like(t.id_cart, parent + 1), like(t.id_product, product), like(t.id_product_attribute, attribute), 1 + (spread(index, 3)), `${parent + 1}-${product}-${attribute}`],
    };
  }, (kind) => kind !== 'record');
}

export function generatedOrderDetails(rules: ContentRules, size: SalesSize, languages: ShopLanguages, fixture: readonly Row[]): GeneratedSource {
  const varying = ['id_order_detail', 'id_order', 'product_id', 'product_attribute_id', 'product_quantity', 'unit_price_tax_incl', 'unit_price_tax_excl', 'iso_code', 'unique_product_id'];
  const templates = compile(rules, fixture, varying);
  return new LinesSource(rules, size.orders, languages, (index, parent, position) => {
    const template = templates[index % templates.length]!;
    const t = template.template;
    const [product, attribute] = productOfLine(size, parent, position);
    const price = round2(5 + spread(index, 5_000) / 100);
    return {
      template,
      values: [
        like(t.id_order_detail, index + 1), like(t.id_order, parent + 1), like(t.product_id, product), like(t.product_attribute_id, attribute),
        1 + spread(index, 3), round2(price * 1.2), price, languages.default, `${product}-${attribute}-${languages.default}`,
      ],
    };
  }, () => false);
}
