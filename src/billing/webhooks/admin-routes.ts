import { Type } from '@sinclair/typebox';
import type { FastifyReply } from 'fastify';
import type { AuthModule } from '../../auth/auth-module.js';
import { requirePrincipal } from '../../auth/routes/require-principal.js';
import type { App } from '../../platform/http/server.js';
import { ApiErrorBody, errorResponses } from '../../platform/http/schemas.js';
import { WEBHOOK_EVENT_TYPES } from './events.js';
import type { WebhooksModule } from './webhooks-module.js';

const errors = errorResponses(400, 401, 403, 404);
const security = [{ bearerToken: [] }];
const tags = ['admin'];

const Env = Type.Union([Type.Literal('live'), Type.Literal('sandbox')], { description: 'Billing environment whose events the endpoint receives' });
// An enum of strings: a union built from the list has no static type TypeBox can decode.
const EventType = Type.String({ enum: [...WEBHOOK_EVENT_TYPES] });
const EventTypes = Type.Array(EventType, { maxItems: WEBHOOK_EVENT_TYPES.length, uniqueItems: true, description: 'Event types sent to the endpoint; empty or absent: every type' });
const Url = Type.String({ minLength: 1, maxLength: 2048, description: 'http(s) URL receiving signed POST requests' });
const Description = Type.Union([Type.String({ maxLength: 1024 }), Type.Null()]);
const Instant = Type.String({ format: 'date-time' });
const NullableInstant = Type.Union([Instant, Type.Null()]);
const EndpointParams = Type.Object({ endpointId: Type.String({ maxLength: 64 }) });
const DeliveryParams = Type.Object({ deliveryId: Type.String({ maxLength: 64 }) });
const DeliveryStatus = Type.Union([Type.Literal('pending'), Type.Literal('succeeded'), Type.Literal('failed')]);

const Endpoint = Type.Object({
  endpointId: Type.String(),
  vendorClientId: Type.String(),
  vendor: Type.String({ description: 'Vendor name' }),
  env: Env,
  url: Type.String(),
  eventTypes: Type.Array(EventType),
  description: Description,
  status: Type.Union([Type.Literal('active'), Type.Literal('disabled')]),
  createdAt: Instant,
  updatedAt: Instant,
}, { description: 'A webhook endpoint (its secret is shown only when created or rotated)' });
const EndpointWithSecret = Type.Object({
  endpoint: Endpoint,
  secret: Type.String({ description: 'The whsec_ signing secret: shown once, store it now' }),
});
const Delivery = Type.Object({
  deliveryId: Type.String(),
  eventId: Type.String({ description: 'The webhook-id header: the same for every attempt and every endpoint of the event' }),
  endpointId: Type.String(),
  eventType: Type.String(),
  status: DeliveryStatus,
  attempts: Type.Integer({ description: 'Attempts since the delivery was created or last replayed' }),
  nextAttemptAt: NullableInstant,
  lastAttemptAt: NullableInstant,
  lastHttpStatus: Type.Union([Type.Integer(), Type.Null()]),
  lastError: Type.Union([Type.String(), Type.Null()]),
  succeededAt: NullableInstant,
  createdAt: Instant,
  updatedAt: Instant,
});
const DeliveryDetail = Type.Object({
  delivery: Delivery,
  event: Type.Object({
    eventId: Type.String(),
    type: Type.String(),
    env: Env,
    resourceVersion: Type.Integer(),
    createdAt: Instant,
    payload: Type.Object({}, { additionalProperties: true, description: 'The JSON body sent (and signed)' }),
  }),
  attempts: Type.Array(Type.Object({
    attempt: Type.Integer({ description: 'Ordinal over the whole life of the delivery, replays included' }),
    at: Instant,
    httpStatus: Type.Union([Type.Integer(), Type.Null()], { description: 'Null when no answer came (connection error, timeout)' }),
    error: Type.Union([Type.String(), Type.Null()]),
    durationMs: Type.Integer(),
  })),
});

/** Operator API over the webhook endpoints and their delivery log: the same service as `psif billing webhooks`. */
export async function adminWebhookRoutes(app: App, { auth, webhooks }: { auth: AuthModule; webhooks: WebhooksModule }): Promise<void> {
  app.addHook('onRequest', requirePrincipal(auth.verifier, { kinds: ['admin'], audiences: [auth.config.apiAudience] }));
  // Replay routes take an optional JSON body; no body means "no options".
  app.addHook('preValidation', async (request) => {
    if (request.body === undefined && request.method === 'POST') request.body = {};
  });
  const { endpoints } = webhooks;

  app.post('/billing/webhook-endpoints', {
    schema: {
      tags, operationId: 'createWebhookEndpoint', summary: 'Register a webhook endpoint of a vendor', security,
      description: 'The endpoint receives the events of one vendor in one environment (live or sandbox), signed per Standard Webhooks. Returns the signing secret once.',
      body: Type.Object({
        vendor: Type.String({ minLength: 1, maxLength: 64, description: 'Vendor client id or vendor name' }),
        env: Type.Optional(Type.Union([Type.Literal('live'), Type.Literal('sandbox')], { default: 'live', description: 'Billing environment whose events the endpoint receives' })),
        url: Url,
        eventTypes: Type.Optional(EventTypes),
        description: Type.Optional(Description),
      }, { additionalProperties: false, examples: [{ vendor: 'acme', env: 'sandbox', url: 'https://hooks.example/psif', eventTypes: ['subscription.created', 'invoice.paid'], description: 'Billing events of the staging back office' }] }),
      response: { 201: EndpointWithSecret, ...errors },
    },
  }, async (request, reply) => {
    const created = await endpoints.create(request.body);
    request.log.info({ endpointId: created.endpoint.endpointId, vendor: created.endpoint.vendorClientId, env: created.endpoint.env, by: request.principal?.clientId }, 'webhook endpoint created');
    return reply.code(201).send(created);
  });

  app.get('/billing/webhook-endpoints', {
    schema: {
      tags, operationId: 'listWebhookEndpoints', summary: 'List webhook endpoints', security,
      description: 'Every endpoint, or those of one vendor and/or environment, oldest first.',
      querystring: Type.Object({
        vendor: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'Vendor client id or vendor name' })),
        env: Type.Optional(Env),
      }, { additionalProperties: false }),
      response: { 200: Type.Object({ items: Type.Array(Endpoint) }), ...errors },
    },
  }, async (request) => ({ items: await endpoints.list(request.query) }));

  app.get('/billing/webhook-endpoints/:endpointId', {
    schema: {
      tags, operationId: 'getWebhookEndpoint', summary: 'Get a webhook endpoint', security, params: EndpointParams,
      description: 'The endpoint without its secret.',
      response: { 200: Endpoint, ...errors },
    },
  }, async (request) => endpoints.get(request.params.endpointId));

  app.patch('/billing/webhook-endpoints/:endpointId', {
    schema: {
      tags, operationId: 'updateWebhookEndpoint', summary: 'Change a webhook endpoint', security, params: EndpointParams,
      description: 'A disabled endpoint gets no new deliveries and its pending ones wait until it is enabled again. eventTypes replaces the whole list.',
      body: Type.Object({
        url: Type.Optional(Url),
        eventTypes: Type.Optional(EventTypes),
        status: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('disabled')])),
        description: Type.Optional(Description),
      }, { additionalProperties: false, minProperties: 1, examples: [{ description: 'Billing events of the production back office' }] }),
      response: { 200: Endpoint, ...errors },
    },
  }, async (request) => {
    const endpoint = await endpoints.update(request.params.endpointId, request.body);
    request.log.info({ endpointId: endpoint.endpointId, changed: Object.keys(request.body), by: request.principal?.clientId }, 'webhook endpoint updated');
    return endpoint;
  });

  app.delete('/billing/webhook-endpoints/:endpointId', {
    schema: {
      tags, operationId: 'deleteWebhookEndpoint', summary: 'Delete a webhook endpoint', security, params: EndpointParams,
      description: 'Removes the endpoint and its delivery log; pending deliveries are dropped.',
      response: { 204: Type.Null(), ...errors },
    },
  }, async (request, reply) => {
    await endpoints.delete(request.params.endpointId);
    request.log.info({ endpointId: request.params.endpointId, by: request.principal?.clientId }, 'webhook endpoint deleted');
    return (reply as FastifyReply).code(204).send();
  });

  app.post('/billing/webhook-endpoints/:endpointId/rotate-secret', {
    schema: {
      tags, operationId: 'rotateWebhookEndpointSecret', summary: 'Rotate the signing secret of an endpoint', security, params: EndpointParams,
      description: 'The new secret signs every attempt from now on (attempts already in flight carry the previous one). Returned once.',
      response: { 200: EndpointWithSecret, ...errors },
    },
  }, async (request) => {
    const rotated = await endpoints.rotateSecret(request.params.endpointId);
    request.log.info({ endpointId: rotated.endpoint.endpointId, by: request.principal?.clientId }, 'webhook endpoint secret rotated');
    return rotated;
  });

  app.get('/billing/webhook-endpoints/:endpointId/deliveries', {
    schema: {
      tags, operationId: 'listWebhookDeliveries', summary: 'List the deliveries of an endpoint', security, params: EndpointParams,
      description: 'The delivery log, newest first.',
      querystring: Type.Object({
        status: Type.Optional(DeliveryStatus),
        limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
        offset: Type.Integer({ minimum: 0, default: 0 }),
      }, { additionalProperties: false }),
      response: { 200: Type.Object({ items: Type.Array(Delivery), total: Type.Integer(), pagination: Type.Object({ offset: Type.Integer(), limit: Type.Integer() }) }), ...errors },
    },
  }, async (request) => {
    const { items, total } = await endpoints.deliveries(request.params.endpointId, request.query);
    return { items, total, pagination: { offset: request.query.offset, limit: request.query.limit } };
  });

  app.get('/billing/webhook-deliveries/:deliveryId', {
    schema: {
      tags, operationId: 'getWebhookDelivery', summary: 'Get a delivery with its attempts and event', security, params: DeliveryParams,
      description: 'Every attempt (status, error, duration) and the exact payload sent.',
      response: { 200: DeliveryDetail, ...errors },
    },
  }, async (request) => endpoints.delivery(request.params.deliveryId));

  app.post('/billing/webhook-deliveries/:deliveryId/replay', {
    schema: {
      tags, operationId: 'replayWebhookDelivery', summary: 'Send a delivery again', security, params: DeliveryParams,
      description: 'Queues the delivery now with a fresh retry schedule, whatever its status; the receiver gets the same webhook-id again. 409 while an attempt is in flight.',
      response: { 202: Delivery, ...errors, 409: Type.Ref(ApiErrorBody) },
    },
  }, async (request, reply) => {
    const delivery = await endpoints.replay(request.params.deliveryId);
    webhooks.kick();
    request.log.info({ deliveryId: delivery.deliveryId, by: request.principal?.clientId }, 'webhook delivery replayed');
    return reply.code(202).send(delivery);
  });

  app.post('/billing/webhook-endpoints/:endpointId/replay', {
    schema: {
      tags, operationId: 'replayWebhookEndpoint', summary: 'Send the failed deliveries of an endpoint again', security, params: EndpointParams,
      description: 'Queues the failed deliveries (status failed, the default) or every finished one (status all) created since `since` (default: all time). Deliveries in flight are left alone.',
      body: Type.Object({
        since: Type.Optional(Instant),
        status: Type.Optional(Type.Union([Type.Literal('failed'), Type.Literal('all')], { default: 'failed' })),
      }, { additionalProperties: false, examples: [{ status: 'failed' }] }),
      response: { 202: Type.Object({ replayed: Type.Integer({ description: 'Deliveries queued again' }) }), ...errors },
    },
  }, async (request, reply) => {
    const since = request.body.since === undefined ? undefined : Date.parse(request.body.since);
    const replayed = await endpoints.replayEndpoint(request.params.endpointId, { since, status: request.body.status });
    webhooks.kick();
    request.log.info({ endpointId: request.params.endpointId, replayed, by: request.principal?.clientId }, 'webhook endpoint replayed');
    return reply.code(202).send({ replayed });
  });
}
