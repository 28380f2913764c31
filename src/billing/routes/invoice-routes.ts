import { Type } from '@sinclair/typebox';
import type { App } from '../../platform/http/server.js';
import { type Actor, authorize } from '../billing-access.js';
import { billingError } from '../billing-errors.js';
import type { Invoice } from '../model.js';
import { invoiceView } from '../views.js';
import type { BillingRouteOptions } from './billing-plugin.js';
import { Item, Items, InvoiceStatus, InvoiceView, NoQuery, ObjectId, SandboxHeader, billingErrors, query, stringEnum } from './schemas.js';

const tags = ['billing'];
const security = [{ bearerToken: [] }];
const InvoiceParams = Type.Object({ invoiceId: ObjectId });

/** Invoices (A8, A9): search with filters and pagination, and PDF download through signed links. */
export async function invoiceRoutes(app: App, { billing, bearer }: BillingRouteOptions): Promise<void> {
  const { invoices } = billing;
  /** The invoice, if the caller may see it (404 otherwise). */
  const visible = (actor: Actor, invoice: Invoice) => {
    const mine = actor.kind === 'admin' || (actor.kind === 'vendor' ? invoice.vendor_client_id === actor.clientId : invoice.customer_id === actor.shopId);
    if (!mine) throw billingError('INVOICE_NOT_FOUND', `no invoice "${invoice.invoice_id}"`);
    return invoice;
  };

  app.get('/invoices', {
    onRequest: bearer,
    schema: {
      tags, security, operationId: 'getInvoices', summary: 'Search invoices (A8)',
      description: 'Scope `invoices.read` (vendors see their products\' invoices; a shop its own). `id` with `type` narrows to a subscription or a customer. Newest first unless `order=asc`.',
      querystring: query({
        id: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'A subscription id or a customer id, as `type` says' })),
        type: Type.Optional(stringEnum(['subscription', 'customer'], { description: 'What `id` is (default subscription)' })),
        productId: Type.Optional(Type.String({ maxLength: 64 })),
        status: Type.Optional(InvoiceStatus),
        from: Type.Optional(Type.String({ format: 'date-time', description: 'Invoice date from (inclusive)' })),
        to: Type.Optional(Type.String({ format: 'date-time', description: 'Invoice date to (exclusive)' })),
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
        offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000, default: 0 })),
        order: Type.Optional(stringEnum(['asc', 'desc'], { default: 'desc' })),
      }),
      headers: SandboxHeader,
      response: { 200: Items(InvoiceView), ...billingErrors(400, 401, 403) },
    },
  }, async (request) => {
    const actor = authorize(request.principal, 'invoices.read', { shops: true });
    const q = request.query;
    const byCustomer = q.type === 'customer';
    const result = await invoices.list(
      request.billingEnv,
      {
        vendorClientId: actor.kind === 'vendor' ? actor.clientId : undefined,
        customerId: actor.kind === 'shop' ? actor.shopId : byCustomer ? q.id : undefined,
        subscriptionId: !byCustomer ? q.id : undefined,
        productId: q.productId,
        status: q.status as Invoice['status'] | undefined,
        from: q.from ? Date.parse(q.from) : undefined,
        to: q.to ? Date.parse(q.to) : undefined,
      },
      { limit: q.limit ?? 20, offset: q.offset ?? 0, order: (q.order ?? 'desc') as 'desc' },
    );
    // A shop asking for another customer's invoices gets none: its own filter stays.
    if (actor.kind === 'shop' && byCustomer && q.id !== actor.shopId) return { items: [], total: 0 };
    return { items: result.items.map(invoiceView), total: result.total };
  });

  app.get('/invoices/:invoiceId', {
    onRequest: bearer,
    schema: {
      tags, security, operationId: 'getInvoice', summary: 'An invoice with its line items',
      description: 'Scope `invoices.read` (or the shop itself).',
      params: InvoiceParams, querystring: NoQuery, headers: SandboxHeader,
      response: { 200: Item(InvoiceView), ...billingErrors(400, 401, 403, 404) },
    },
  }, async (request) => {
    const actor = authorize(request.principal, 'invoices.read', { shops: true });
    return { item: invoiceView(visible(actor, await invoices.get(request.billingEnv, request.params.invoiceId))) };
  });

  app.get('/invoices/:invoiceId/download', {
    onRequest: bearer,
    schema: {
      tags, security, operationId: 'getInvoiceDownload', summary: 'A download link of the invoice PDF (A9)',
      description: 'Scope `invoices.read` (or the shop itself). The link needs no token and is valid one hour (`validTill`, Unix seconds).',
      params: InvoiceParams, querystring: NoQuery, headers: SandboxHeader,
      response: { 200: Item(Type.Object({ downloadUrl: Type.String({ format: 'uri' }), validTill: Type.Integer() })), ...billingErrors(400, 401, 403, 404) },
    },
  }, async (request) => {
    const actor = authorize(request.principal, 'invoices.read', { shops: true });
    return { item: invoices.downloadLink(visible(actor, await invoices.get(request.billingEnv, request.params.invoiceId))) };
  });

  app.get('/invoices/:invoiceId/pdf', {
    schema: {
      tags, security: [], operationId: 'downloadInvoicePdf', summary: 'The invoice PDF (a signed link from A9)',
      description: 'No token: the link\'s signature and expiry authorise it; 410 `DOWNLOAD_LINK_EXPIRED` otherwise.',
      params: InvoiceParams,
      querystring: query({ expires: Type.Integer({ minimum: 0 }), signature: Type.String({ minLength: 1, maxLength: 100 }) }),
      response: { 200: Type.String({ description: 'application/pdf' }), ...billingErrors(400, 404, 410) },
    },
  }, async (request, reply) => {
    const pdf = await invoices.pdf(request.billingEnv, request.params.invoiceId, request.query.expires, request.query.signature);
    return reply
      .type('application/pdf')
      .header('content-disposition', `attachment; filename="${request.params.invoiceId}.pdf"`)
      .header('cache-control', 'private, no-store')
      .send(pdf);
  });
}
