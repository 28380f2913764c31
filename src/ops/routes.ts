import { Type } from '@sinclair/typebox';
import type { Metrics } from '../platform/observability/metrics.js';
import type { App } from '../platform/http/server.js';

export interface Readiness {
  /** Throws when a dependency is not usable; the message is shown to the operator. */
  check(): Promise<void>;
  shuttingDown(): boolean;
}

const Check = Type.Object({ status: Type.String(), detail: Type.Optional(Type.String()) });

/** Liveness says the process answers; readiness says it can serve (database reachable, keys loaded, not draining). */
export async function opsRoutes(app: App, options: { metrics: Metrics; readiness: Readiness }): Promise<void> {
  app.get('/healthz', {
    schema: { tags: ['ops'], summary: 'Liveness probe', operationId: 'healthz', security: [], response: { 200: Check } },
  }, async () => ({ status: 'ok' }));

  app.get('/readyz', {
    schema: {
      tags: ['ops'],
      summary: 'Readiness probe',
      description: 'Answers 503 while the database is unreachable or the server is shutting down.',
      operationId: 'readyz',
      security: [],
      response: { 200: Check, 503: Check },
    },
  }, async (_request, reply) => {
    if (options.readiness.shuttingDown()) return reply.code(503).send({ status: 'shutting_down' });
    try {
      await options.readiness.check();
      return { status: 'ready' };
    } catch (error) {
      return reply.code(503).send({ status: 'unavailable', detail: (error as Error).message });
    }
  });

  app.get('/metrics', {
    schema: {
      tags: ['ops'],
      summary: 'Prometheus metrics',
      operationId: 'metrics',
      security: [],
      produces: ['text/plain'],
      response: { 200: { description: 'Prometheus text exposition format', content: { 'text/plain': { schema: { type: 'string' } } } } },
    },
  }, async (_request, reply) => {
    const body = await options.metrics.registry.metrics();
    return reply.type(options.metrics.registry.contentType).send(body);
  });
}
