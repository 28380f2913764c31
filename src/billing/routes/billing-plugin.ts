import type { FastifyError, FastifyRequest } from 'fastify';
import type { AuthModule } from '../../auth/auth-module.js';
import { requirePrincipal } from '../../auth/routes/require-principal.js';
import { ApiError } from '../../platform/http/api-error.js';
import { type App, describeValidation } from '../../platform/http/server.js';
import type { BillingEnv } from '../../platform/db/schema.js';
import { BILLING_ERRORS, type BillingErrorCode, billingError } from '../billing-errors.js';
import type { BillingModule } from '../billing-module.js';
import { catalogRoutes } from './catalog-routes.js';
import { customerRoutes } from './customer-routes.js';
import { internalRoutes } from './internal-routes.js';
import { invoiceRoutes } from './invoice-routes.js';
import { subscriptionRoutes } from './subscription-routes.js';

declare module 'fastify' {
  interface FastifyRequest {
    billingEnv: BillingEnv;
  }
}

export interface BillingRouteOptions {
  auth: AuthModule;
  billing: BillingModule;
  /** Verifies a bearer token (vendor, shop or admin, with the API audience); routes that need one use it as onRequest. */
  bearer: ReturnType<typeof requirePrincipal>;
}

/**
 * The Billing API under /billing/v1: its own error shape `{statusCode, errorCode, message}` (billing.md
 * §1.2), and the sandbox switch, a `sandbox: true` header or `?sandbox=true`, on every route.
 */
export async function billingRoutes(app: App, { auth, billing }: { auth: AuthModule; billing: BillingModule }): Promise<void> {
  app.decorateRequest('billingEnv', 'live');
  app.addHook('onRequest', async (request) => {
    request.billingEnv = sandboxFlag(request);
  });
  app.setErrorHandler((error: FastifyError | ApiError, request, reply) => {
    const { statusCode, errorCode, message, headers } = toBillingError(error);
    if (statusCode >= 500) request.log.error({ err: error }, 'billing request failed');
    else request.log.info({ errorCode, message }, 'billing request rejected');
    void reply.headers(headers).code(statusCode).send({ statusCode, errorCode, message });
  });
  app.setNotFoundHandler((request, reply) => {
    void reply.code(404).send({ statusCode: 404, errorCode: 'ROUTE_NOT_FOUND', message: `no route for ${request.method} ${request.url.split('?')[0]}` });
  });
  const options: BillingRouteOptions = { auth, billing, bearer: requirePrincipal(auth.verifier, { kinds: ['vendor', 'shop', 'admin'], audiences: [auth.config.apiAudience] }) };
  await app.register(catalogRoutes, options);
  await app.register(customerRoutes, options);
  await app.register(subscriptionRoutes, options);
  await app.register(invoiceRoutes, options);
  await app.register(internalRoutes, options);
}

function sandboxFlag(request: FastifyRequest): BillingEnv {
  const header = request.headers.sandbox;
  const query = (request.query as Record<string, unknown> | undefined)?.sandbox ?? new URLSearchParams(request.url.split('?')[1] ?? '').get('sandbox') ?? undefined;
  const values = [header, query].filter((value) => value !== undefined).map(String);
  for (const value of values) if (value !== 'true' && value !== 'false') throw billingError('INVALID_SANDBOX_FLAG', `sandbox must be "true" or "false", not "${value.slice(0, 20)}"`);
  return values.includes('true') ? 'sandbox' : 'live';
}

/** psif's errors (ApiError, validation, auth challenges) in the Billing API's shape and codes. */
function toBillingError(error: FastifyError | ApiError): { statusCode: number; errorCode: string; message: string; headers: Record<string, string> } {
  if (error instanceof ApiError) {
    const code = error.code.toUpperCase();
    const errorCode = Object.hasOwn(BILLING_ERRORS, code) ? code : fallbackCode(error.statusCode);
    return { statusCode: error.statusCode, errorCode, message: error.message, headers: error.headers };
  }
  if (error.validation) return { statusCode: 400, errorCode: 'VALIDATION_FAILED', message: describeValidation(error).message, headers: {} };
  const status = error.statusCode ?? 500;
  if (status >= 500) return { statusCode: 500, errorCode: 'INTERNAL_ERROR', message: 'internal server error', headers: {} };
  return { statusCode: status, errorCode: fallbackCode(status), message: error.message, headers: {} };
}

function fallbackCode(status: number): BillingErrorCode {
  const byStatus: Record<number, BillingErrorCode> = { 400: 'VALIDATION_FAILED', 401: 'INVALID_TOKEN', 403: 'FORBIDDEN', 404: 'ROUTE_NOT_FOUND', 409: 'CONCURRENT_UPDATE', 413: 'PAYLOAD_TOO_LARGE', 415: 'UNSUPPORTED_MEDIA_TYPE', 429: 'RATE_LIMITED' };
  return byStatus[status] ?? (status >= 500 ? 'INTERNAL_ERROR' : 'VALIDATION_FAILED');
}
