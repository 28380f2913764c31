import { Type } from '@sinclair/typebox';
import type { AuthModule } from '../../auth/auth-module.js';
import type { Client } from '../../auth/model.js';
import { requirePrincipal } from '../../auth/routes/require-principal.js';
import { ApiError } from '../../platform/http/api-error.js';
import { errorResponses } from '../../platform/http/schemas.js';
import type { App } from '../../platform/http/server.js';
import type { BillingApiKeyTable } from '../../platform/db/schema.js';
import type { BillingModule } from '../billing-module.js';

const tags = ['admin'];
const security = [{ bearerToken: [] }];
const KeyView = Type.Object({
  keyId: Type.String(),
  vendorClientId: Type.String(),
  prefix: Type.String({ description: 'The first characters of the key, to recognise it' }),
  createdAt: Type.String({ format: 'date-time' }),
  lastUsedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  revokedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});

function keyView(row: BillingApiKeyTable) {
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  return { keyId: row.key_id, vendorClientId: row.vendor_client_id, prefix: row.prefix, createdAt: iso(row.created_at) as string, lastUsedAt: iso(row.last_used_at), revokedAt: iso(row.revoked_at) };
}

/** A vendor by client id or by name. */
export async function findVendor(auth: AuthModule, vendor: string): Promise<Client> {
  const client = (await auth.clientsRepository.find(vendor)) ?? (await auth.clients.findVendor(vendor));
  if (client.kind !== 'vendor') throw ApiError.badRequest('not_a_vendor', `client "${vendor}" is a ${client.kind} client, not a vendor`);
  return client;
}

/** Operators: the vendors' billing API keys, and a billing clock round on demand. */
export async function adminBillingRoutes(app: App, { auth, billing }: { auth: AuthModule; billing: BillingModule }): Promise<void> {
  app.addHook('onRequest', requirePrincipal(auth.verifier, { kinds: ['admin'], audiences: [auth.config.apiAudience] }));

  app.post('/billing/api-keys', {
    schema: {
      tags, security, operationId: 'createBillingApiKey', summary: 'Create a billing API key for a vendor',
      description: 'The key (for `X-BILLING-API-KEY` on the internal quantity routes) is shown in this answer only; psif keeps a hash.',
      body: Type.Object({ vendor: Type.String({ minLength: 1, maxLength: 64, description: 'Vendor client id or name' }) }, { additionalProperties: false, examples: [{ vendor: 'acme' }] }),
      response: { 201: Type.Object({ key: Type.String(), item: KeyView }), ...errorResponses(400, 401, 403, 404) },
    },
  }, async (request, reply) => {
    const vendor = await findVendor(auth, request.body.vendor);
    const { key, row } = await billing.apiKeys.create(vendor.clientId);
    return reply.code(201).send({ key, item: keyView(row) });
  });

  app.get('/billing/api-keys', {
    schema: {
      tags, security, operationId: 'listBillingApiKeys', summary: 'List billing API keys',
      querystring: Type.Object({ vendor: Type.Optional(Type.String({ maxLength: 64 })) }, { additionalProperties: false }),
      response: { 200: Type.Object({ items: Type.Array(KeyView) }), ...errorResponses(400, 401, 403, 404) },
    },
  }, async (request) => {
    const vendorClientId = request.query.vendor ? (await findVendor(auth, request.query.vendor)).clientId : undefined;
    return { items: (await billing.apiKeys.list(vendorClientId)).map(keyView) };
  });

  app.delete('/billing/api-keys/:keyId', {
    schema: {
      tags, security, operationId: 'revokeBillingApiKey', summary: 'Revoke a billing API key',
      params: Type.Object({ keyId: Type.String({ maxLength: 64 }) }),
      response: { 204: Type.Null(), ...errorResponses(400, 401, 403, 404) },
    },
  }, async (request, reply) => {
    await billing.apiKeys.revoke(request.params.keyId);
    return reply.code(204).send(null);
  });

  app.post('/billing/clock/run', {
    schema: {
      tags, security, operationId: 'runBillingClock', summary: 'Run the billing clock now',
      description: 'Runs every renewal, trial end, scheduled change and payment retry due by now (test clocks excepted), as the worker\'s clock does every PSIF_BILLING_CLOCK_INTERVAL_MS. Safe to call while workers run: each transition happens once.',
      response: { 200: Type.Object({ transitions: Type.Integer(), skipped: Type.Integer() }), ...errorResponses(401, 403) },
    },
  }, async () => billing.clock.runDue(Date.now()));
}
