import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { BillingEnv, Database } from '../../platform/db/schema.js';
import { billingError } from '../billing-errors.js';
import { type InvoiceDocument, renderInvoicePdf } from '../invoices/invoice-pdf.js';
import type { Invoice } from '../model.js';
import { findCustomer } from '../storage/billing-repository.js';
import { billingAddressOf, lineItemsOf } from '../views.js';

export interface InvoiceFilter {
  vendorClientId?: string | undefined;
  customerId?: string | undefined;
  subscriptionId?: string | undefined;
  productId?: string | undefined;
  status?: Invoice['status'] | undefined;
  /** Invoice dates in [from, to), ms. */
  from?: number | undefined;
  to?: number | undefined;
}

const LINK_TTL_SECONDS = 3600;

/**
 * Invoices: search, and PDF download through short-lived signed links (gateway A9 answers a URL, not
 * the file), so a link can be handed to a browser without a bearer token.
 */
export class BillingInvoices {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly linkKey: Buffer,
    private readonly publicUrl: string,
  ) {}

  async list(env: BillingEnv, filter: InvoiceFilter, page: { limit: number; offset: number; order: 'asc' | 'desc' }): Promise<{ items: Invoice[]; total: number }> {
    let query = this.db.selectFrom('billing_invoices').where('env', '=', env);
    if (filter.vendorClientId) query = query.where('vendor_client_id', '=', filter.vendorClientId);
    if (filter.customerId) query = query.where('customer_id', '=', filter.customerId);
    if (filter.subscriptionId) query = query.where('subscription_id', '=', filter.subscriptionId);
    if (filter.productId) query = query.where('product_id', '=', filter.productId);
    if (filter.status) query = query.where('status', '=', filter.status);
    if (filter.from !== undefined) query = query.where('invoice_date', '>=', filter.from);
    if (filter.to !== undefined) query = query.where('invoice_date', '<', filter.to);
    const [items, count] = await Promise.all([
      query.selectAll().orderBy('invoice_date', page.order).orderBy('invoice_id', page.order).limit(page.limit).offset(page.offset).execute(),
      query.select((eb) => eb.fn.countAll<number>().as('total')).executeTakeFirstOrThrow(),
    ]);
    return { items, total: Number(count.total) };
  }

  async get(env: BillingEnv, invoiceId: string): Promise<Invoice> {
    const invoice = await this.db.selectFrom('billing_invoices').selectAll().where('env', '=', env).where('invoice_id', '=', invoiceId).executeTakeFirst();
    if (!invoice) throw billingError('INVOICE_NOT_FOUND', `no invoice "${invoiceId}"`);
    return invoice;
  }

  downloadLink(invoice: Invoice, now = Date.now()): { downloadUrl: string; validTill: number } {
    const validTill = Math.floor(now / 1000) + LINK_TTL_SECONDS;
    const query = new URLSearchParams({ expires: String(validTill), signature: this.signature(invoice.env, invoice.invoice_id, validTill) });
    if (invoice.env === 'sandbox') query.set('sandbox', 'true');
    return { downloadUrl: `${this.publicUrl}/billing/v1/invoices/${encodeURIComponent(invoice.invoice_id)}/pdf?${query}`, validTill };
  }

  /** The PDF behind a download link; 410 once the link expired or when its signature is wrong. */
  async pdf(env: BillingEnv, invoiceId: string, expires: number, signature: string): Promise<Buffer> {
    const expected = Buffer.from(this.signature(env, invoiceId, expires));
    const given = Buffer.from(signature);
    if (expires * 1000 < Date.now() || given.length !== expected.length || !timingSafeEqual(given, expected)) throw billingError('DOWNLOAD_LINK_EXPIRED');
    const invoice = await this.get(env, invoiceId);
    return renderInvoicePdf(await this.document(invoice));
  }

  private async document(invoice: Invoice): Promise<InvoiceDocument> {
    const [customer, product, vendor] = await Promise.all([
      findCustomer(this.db, invoice.env, invoice.customer_id),
      this.db.selectFrom('billing_products').select('name').where('env', '=', invoice.env).where('product_id', '=', invoice.product_id).executeTakeFirst(),
      this.db.selectFrom('oauth_clients').select('name').where('client_id', '=', invoice.vendor_client_id).executeTakeFirst(),
    ]);
    return {
      invoiceId: invoice.invoice_id,
      status: invoice.status,
      sandbox: invoice.env === 'sandbox',
      currency: invoice.currency,
      locale: customer?.locale ?? 'en',
      invoiceDate: invoice.invoice_date,
      periodStart: invoice.period_start,
      periodEnd: invoice.period_end,
      paidAt: invoice.paid_at,
      seller: { name: vendor?.name ?? invoice.vendor_client_id, productName: product?.name ?? invoice.product_id },
      customer: { id: invoice.customer_id, email: customer?.email ?? null, billingAddress: billingAddressOf({ billing_address: invoice.billing_address }), vatNumber: customer?.vat_number ?? null },
      lineItems: lineItemsOf(invoice).map((line) => ({ description: line.description, quantity: line.quantity, unitAmount: line.unitAmount, amount: line.amount })),
      subTotal: invoice.sub_total,
      taxRate: invoice.tax_rate,
      taxAmount: invoice.tax_amount,
      total: invoice.total,
      amountPaid: invoice.amount_paid,
      amountDue: invoice.amount_due,
    };
  }

  private signature(env: BillingEnv, invoiceId: string, expires: number): string {
    return createHmac('sha256', this.linkKey).update(`${env}\n${invoiceId}\n${expires}`).digest('base64url');
  }
}
