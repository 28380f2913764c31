import { getDocumentProxy } from 'unpdf';
import { describe, expect, it } from 'vitest';
import { formatMoney, type InvoiceDocument, renderInvoicePdf, toWinAnsi } from '../../src/billing/invoices/invoice-pdf.js';

/** What pdf.js (the reader Firefox uses) finds in the file: so the checks see the text a reader sees. */
interface Extracted {
  pages: { items: { text: string; x: number; y: number }[]; width: number; height: number }[];
  info: Record<string, unknown>;
}

// pdf.js returns the no-break spaces Intl puts in "20,00 €" as they are; the tests spell them as plain spaces.
const normalize = (text: string) => text.replace(/[\u00a0\u202f]/g, ' ');

async function extract(pdf: Buffer): Promise<Extracted> {
  const proxy = await getDocumentProxy(new Uint8Array(pdf));
  const pages: Extracted['pages'] = [];
  for (let n = 1; n <= proxy.numPages; n++) {
    const page = await proxy.getPage(n);
    const [, , width, height] = page.view as [number, number, number, number];
    const content = await page.getTextContent();
    const items = content.items.flatMap((item) =>
      'str' in item && item.str.trim() !== '' ? [{ text: normalize(item.str), x: item.transform[4] as number, y: item.transform[5] as number }] : [],
    );
    pages.push({ items, width, height });
  }
  const { info } = await proxy.getMetadata();
  await proxy.destroy();
  return { pages, info: info as Record<string, unknown> };
}

const texts = (extracted: Extracted) => extracted.pages.flatMap((page) => page.items.map((item) => item.text));

function invoice(overrides: Partial<InvoiceDocument> = {}): InvoiceDocument {
  return {
    invoiceId: 'inv_01JTEST',
    status: 'paid',
    sandbox: false,
    currency: 'EUR',
    locale: 'en',
    invoiceDate: Date.UTC(2026, 2, 15, 10, 30),
    periodStart: Date.UTC(2026, 2, 15),
    periodEnd: Date.UTC(2026, 3, 15),
    paidAt: Date.UTC(2026, 2, 16),
    seller: { name: 'Acme Modules', productName: 'Acme SEO Pro' },
    customer: {
      id: 'cus_42',
      email: 'owner@shop.example',
      billingAddress: { first_name: 'Ada', last_name: 'Lovelace', company: 'Analytical Shop', line1: '12 Engine Street', line2: 'Floor 2', city: 'London', zip: 'N1 9GU', country: 'GB' },
      vatNumber: 'GB123456789',
    },
    lineItems: [
      { description: 'SEO Pro monthly plan', quantity: 2, unitAmount: 1000, amount: 2000 },
      { description: 'Proration adjustment', quantity: null, unitAmount: null, amount: -550 },
    ],
    subTotal: 1450,
    taxRate: 2000,
    taxAmount: 290,
    total: 1740,
    amountPaid: 1740,
    amountDue: 0,
    ...overrides,
  };
}

describe('formatMoney', () => {
  it('uses the currency exponent and the locale conventions', () => {
    expect(formatMoney(2000, 'EUR', 'en')).toBe('€20.00');
    expect(normalize(formatMoney(2000, 'EUR', 'fr'))).toBe('20,00 €');
    expect(normalize(formatMoney(1234567, 'EUR', 'fr'))).toBe('12 345,67 €');
    expect(normalize(formatMoney(1234567, 'EUR', 'de'))).toBe('12.345,67 €');
    expect(formatMoney(1500, 'JPY', 'en')).toBe('¥1,500');
    expect(normalize(formatMoney(1500, 'JPY', 'de'))).toBe('1.500 ¥');
    expect(normalize(formatMoney(1234, 'KWD', 'en'))).toBe('KWD 1.234');
    expect(formatMoney(-550, 'EUR', 'en')).toBe('-€5.50');
    expect(formatMoney(5, 'EUR', 'en')).toBe('€0.05');
  });

  it('refuses amounts that are not whole minor units', () => {
    expect(() => formatMoney(10.5, 'EUR', 'en')).toThrow(RangeError);
    expect(() => formatMoney(Number.NaN, 'EUR', 'en')).toThrow(RangeError);
  });
});

describe('renderInvoicePdf', () => {
  it('renders a PDF a reader can parse, with every part of the invoice', async () => {
    const pdf = await renderInvoicePdf(invoice());
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(pdf.subarray(-6).toString('latin1')).toMatch(/%%EOF\s*$/);

    const extracted = await extract(pdf);
    expect(extracted.pages).toHaveLength(1);
    const all = texts(extracted);
    for (const expected of [
      'Acme Modules', 'Acme SEO Pro', 'Invoice inv_01JTEST', 'PAID',
      'Bill to', 'Ada Lovelace', 'Analytical Shop', '12 Engine Street', 'Floor 2', 'N1 9GU London', 'GB',
      'owner@shop.example', 'VAT number: GB123456789', 'Customer ID: cus_42',
      'Invoice date', 'Mar 15, 2026', 'Billing period', 'Mar 15, 2026 – Apr 15, 2026', 'Paid on', 'Mar 16, 2026',
      'Description', 'Qty', 'Unit price', 'Amount',
      'SEO Pro monthly plan', '2', '€10.00', '€20.00', 'Proration adjustment', '-€5.50',
      'Subtotal', '€14.50', 'Tax (20%)', '€2.90', 'Total', '€17.40', 'Amount paid', 'Amount due', '€0.00', 'Status: Paid',
    ]) {
      expect(all, expected).toContain(expected);
    }
    // One page: no "Page 1 of 1" footer.
    expect(all.some((text) => text.includes('Page 1'))).toBe(false);
    expect(extracted.info.Title).toBe('Invoice inv_01JTEST');
  });

  it('renders the same bytes for the same invoice, dated by the invoice', async () => {
    const first = await renderInvoicePdf(invoice());
    const second = await renderInvoicePdf(invoice());
    expect(first.equals(second)).toBe(true);
    const { info } = await extract(first);
    expect(info.CreationDate).toMatch(/^D:20260315103000Z/);
    expect(info.ModDate).toMatch(/^D:20260315103000Z/);
  });

  it.each([
    { locale: 'fr', currency: 'EUR', unit: '1 234,56 €', total: '1 481,47 €', tax: 'Tax (20 %)' },
    { locale: 'de', currency: 'EUR', unit: '1.234,56 €', total: '1.481,47 €', tax: 'Tax (20 %)' },
    { locale: 'en', currency: 'EUR', unit: '€1,234.56', total: '€1,481.47', tax: 'Tax (20%)' },
    { locale: 'en', currency: 'JPY', unit: '¥123,456', total: '¥148,147', tax: 'Tax (20%)' },
    { locale: 'de', currency: 'JPY', unit: '123.456 ¥', total: '148.147 ¥', tax: 'Tax (20 %)' },
    // "zł" has no glyph in the standard fonts: the ISO code rather than a mangled "zl".
    { locale: 'pl', currency: 'PLN', unit: '1234,56 PLN', total: '1481,47 PLN', tax: 'Tax (20%)' },
  ])('formats amounts for $locale in $currency', async ({ locale, currency, unit, total, tax }) => {
    const doc = invoice({
      locale,
      currency,
      lineItems: [{ description: 'Plan', quantity: 1, unitAmount: 123456, amount: 123456 }],
      subTotal: 123456,
      taxAmount: 24691,
      total: 148147,
      amountPaid: 0,
      amountDue: 148147,
      status: 'payment_due',
      paidAt: null,
    });
    const all = texts(await extract(await renderInvoicePdf(doc)));
    expect(all.filter((text) => text === unit)).toHaveLength(3); // unit price, amount, subtotal
    expect(all.filter((text) => text === total)).toHaveLength(2); // total and amount due
    expect(all).toContain(tax);
    expect(all).toContain('Status: Payment due');
    expect(all).not.toContain('Paid on');
  });

  it('formats dates and fractional tax rates per locale, in UTC', async () => {
    const fr = texts(await extract(await renderInvoicePdf(invoice({ locale: 'fr', taxRate: 550 }))));
    expect(fr).toContain('15 mars 2026 – 15 avr. 2026');
    expect(fr).toContain('Tax (5,5 %)');
    // Polish October is "paź", which the standard fonts cannot draw: Polish dates are numeric throughout.
    const pl = texts(await extract(await renderInvoicePdf(invoice({ locale: 'pl', periodStart: Date.UTC(2026, 9, 15), periodEnd: Date.UTC(2026, 10, 15) }))));
    expect(pl).toContain('15.10.2026 – 15.11.2026');
    // 23:30 UTC on the 31st is already the next day in most of Europe; the invoice says the 31st.
    const lateUtc = texts(await extract(await renderInvoicePdf(invoice({ invoiceDate: Date.UTC(2026, 0, 31, 23, 30) }))));
    expect(lateUtc).toContain('Jan 31, 2026');
  });

  it('prints the sandbox banner on every page of a sandbox invoice, and only there', async () => {
    const banner = 'SANDBOX — not a real invoice';
    const live = texts(await extract(await renderInvoicePdf(invoice())));
    expect(live.some((text) => /sandbox/i.test(text))).toBe(false);

    const single = texts(await extract(await renderInvoicePdf(invoice({ sandbox: true }))));
    expect(single).toContain(banner);

    const many = await extract(await renderInvoicePdf(invoice({ sandbox: true, lineItems: manyItems(80) })));
    expect(many.pages.length).toBeGreaterThan(1);
    for (const page of many.pages) expect(page.items.map((item) => item.text)).toContain(banner);
  });

  it('paginates a long list of line items without losing or overflowing any', async () => {
    const items = manyItems(200);
    const extracted = await extract(await renderInvoicePdf(invoice({ lineItems: items })));
    const count = extracted.pages.length;
    expect(count).toBeGreaterThan(1);

    const all = texts(extracted);
    for (const item of items) expect(all.filter((text) => text === item.description)).toHaveLength(1);
    const lastPageTexts = extracted.pages.at(-1)!.items.map((item) => item.text);
    expect(lastPageTexts).toContain('Amount due');
    expect(all.indexOf('Item 200: add-on licence')).toBeGreaterThan(all.indexOf('Item 199: add-on licence'));

    extracted.pages.forEach((page, index) => {
      const pageTexts = page.items.map((item) => item.text);
      expect(pageTexts).toContain(`Invoice inv_01JTEST · Page ${index + 1} of ${count}`);
      // The table header is repeated wherever rows continue.
      if (pageTexts.some((text) => text.startsWith('Item '))) expect(pageTexts).toContain('Description');
      // Nothing is drawn off the page or over the footer (which sits 50pt above the bottom edge).
      for (const item of page.items) {
        expect(item.y, item.text).toBeLessThan(page.height);
        if (!item.text.includes(' · Page ')) expect(item.y, item.text).toBeGreaterThan(55);
      }
    });
  });

  it('handles a customer with no billing address, email or VAT number', async () => {
    const all = texts(
      await extract(await renderInvoicePdf(invoice({ customer: { id: 'cus_bare', email: null, billingAddress: null, vatNumber: null } }))),
    );
    expect(all).toContain('Bill to');
    expect(all).toContain('Customer ID: cus_bare');
    expect(all.some((text) => text.startsWith('VAT number'))).toBe(false);
    expect(all).toContain('€17.40');
  });

  it('handles an empty billing address and an invoice without line items', async () => {
    const all = texts(
      await extract(
        await renderInvoicePdf(
          invoice({
            status: 'voided',
            customer: { id: 'cus_empty', email: 'a@b.example', billingAddress: {}, vatNumber: null },
            lineItems: [],
            subTotal: 0,
            taxAmount: 0,
            total: 0,
            amountPaid: 0,
            amountDue: 0,
          }),
        ),
      ),
    );
    expect(all).toContain('a@b.example');
    expect(all).toContain('No line items');
    expect(all).toContain('VOIDED');
    expect(all).toContain('Status: Voided');
  });

  it('draws characters outside the standard fonts as their closest WinAnsi form instead of garbage', async () => {
    const description = 'Zażółć gęślą jaźń — Ţară «ok» 漢字 😀';
    const expected = 'Zazólc gesla jazn — Tara «ok» ?? ?';
    expect(toWinAnsi(description)).toBe(expected);
    expect(toWinAnsi('Cafe\u0301 co\u00adop\tline\r\nnext')).toBe('Café coop line\nnext');

    const all = texts(
      await extract(
        await renderInvoicePdf(
          invoice({
            locale: 'pl',
            seller: { name: 'Łódź Software', productName: 'Moduł Płatności' },
            lineItems: [{ description, quantity: 1, unitAmount: 1000, amount: 1000 }],
          }),
        ),
      ),
    );
    expect(all).toContain(expected);
    expect(all).toContain('Lódz Software');
    expect(all).toContain('Modul Platnosci');
  });

  it('keeps a very long description inside its row', async () => {
    const long = `${'Very long description '.repeat(200)}END`;
    const extracted = await extract(await renderInvoicePdf(invoice({ lineItems: [{ description: long, quantity: 1, unitAmount: 100, amount: 100 }] })));
    const all = texts(extracted);
    expect(all).toContain('Amount due');
    expect(all.some((text) => text.endsWith('…'))).toBe(true);
  });
});

function manyItems(count: number): InvoiceDocument['lineItems'] {
  return Array.from({ length: count }, (_, i) => ({ description: `Item ${i + 1}: add-on licence`, quantity: 1, unitAmount: 100, amount: 100 }));
}
