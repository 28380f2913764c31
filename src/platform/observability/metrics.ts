import type { FastifyInstance } from 'fastify';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** One registry per server instance, so tests can run several servers in one process. */
export class Metrics {
  readonly registry = new Registry();
  readonly httpDuration = new Histogram({
    name: 'psif_http_request_duration_seconds',
    help: 'HTTP request duration by route and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  readonly tokensIssued = new Counter({
    name: 'psif_oauth_tokens_issued_total',
    help: 'Access tokens issued, by client kind',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });
  readonly oauthErrors = new Counter({
    name: 'psif_oauth_errors_total',
    help: 'OAuth endpoint errors by endpoint and RFC 6749 error code',
    labelNames: ['endpoint', 'error'] as const,
    registers: [this.registry],
  });

  readonly collectorUploads = new Counter({
    name: 'psif_collector_uploads_total',
    help: 'Collector uploads by endpoint and outcome (ok, or the error code)',
    labelNames: ['endpoint', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly collectorLines = new Counter({
    name: 'psif_collector_lines_total',
    help: 'Lines stored by the collector, by operation (upsert, delete, skipped)',
    labelNames: ['operation'] as const,
    registers: [this.registry],
  });

  readonly syncCalls = new Counter({
    name: 'psif_sync_calls_total',
    help: 'apiShopContent calls to shops, by outcome (ok, or the error code of the Reporting API)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly syncObjects = new Counter({
    name: 'psif_sync_objects_total',
    help: 'Objects shops uploaded during pulls, by mode',
    labelNames: ['mode'] as const,
    registers: [this.registry],
  });
  readonly syncPulls = new Counter({
    name: 'psif_sync_pulls_total',
    help: 'Pulls ended by this process, by mode and outcome (succeeded, failed, retry, cancelled, lost_lease, stopped)',
    labelNames: ['mode', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly billingTransitions = new Counter({
    name: 'psif_billing_clock_transitions_total',
    help: 'Subscription transitions (renewals, trial ends, starts, ends of term, payment retries) run by this process\'s billing clock',
    registers: [this.registry],
  });
  readonly webhookAttempts = new Counter({
    name: 'psif_webhook_attempts_total',
    help: 'Webhook delivery attempts by outcome (succeeded, retry, failed)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'psif_' });
  }

  instrument(app: FastifyInstance): void {
    // Callback style, not async: an async hook costs every request a promise and a microtask turn.
    app.addHook('onResponse', (request, reply, done) => {
      // The route pattern, never the raw URL: ids in paths would explode label cardinality.
      const route = request.routeOptions.url ?? 'unmatched';
      this.httpDuration.observe({ method: request.method, route, status: String(reply.statusCode) }, reply.elapsedTime / 1000);
      done();
    });
  }
}
