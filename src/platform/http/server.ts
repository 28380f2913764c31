import { randomUUID } from 'node:crypto';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance, type RawServerDefault } from 'fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Config } from '../config/config.js';
import { loggerOptions } from '../observability/logger.js';
import { requestLoggerFactory } from '../observability/request-logger.js';
import { ApiError } from './api-error.js';
import { installValidators } from './validation.js';

export type App = FastifyInstance<RawServerDefault, IncomingMessage, ServerResponse, FastifyBaseLogger, TypeBoxTypeProvider>;

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * The bare HTTP server: request ids, logging, limits, and the default error shape of psif's own APIs.
 * API families register themselves on it as encapsulated plugins.
 */
export function createHttpServer(config: Config): App {
  const app = Fastify({
    logger: loggerOptions(config.logLevel),
    childLoggerFactory: requestLoggerFactory,
    // A caller's X-Request-Id is kept (so a request can be followed across proxies) when it is sane.
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    bodyLimit: 1024 * 1024,
    routerOptions: { maxParamLength: 256 },
    trustProxy: config.trustProxy,
    // Idle keep-alive sockets are closed at shutdown; in-flight requests are allowed to finish.
    forceCloseConnections: 'idle',
    return503OnClosing: true,
  }).withTypeProvider<TypeBoxTypeProvider>();
  installValidators(app);

  // Callback style, not async: an async hook costs every request a promise and a microtask turn.
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    done();
  });

  app.setErrorHandler((error: FastifyError | ApiError, request, reply) => {
    const apiError = toApiError(error);
    if (apiError.statusCode >= 500) request.log.error({ err: error }, 'request failed');
    else request.log.info({ code: apiError.code, message: apiError.message }, 'request rejected');
    void reply.headers(apiError.headers).code(apiError.statusCode).send(apiError.toJSON());
  });

  app.setNotFoundHandler((request, reply) => {
    void reply.code(404).send(new ApiError(404, 'route_not_found', `no route for ${request.method} ${request.url.split('?')[0]}`).toJSON());
  });

  return app;
}

function toApiError(error: FastifyError | ApiError): ApiError {
  if (error instanceof ApiError) return error;
  const fastifyError = error as FastifyError;
  if (fastifyError.validation) {
    const { message, location, field } = describeValidation(fastifyError);
    return ApiError.badRequest('validation_failed', message, { location, ...(field ? { field } : {}) });
  }
  const status = fastifyError.statusCode ?? 500;
  if (status === 429) return new ApiError(429, 'rate_limited', fastifyError.message);
  if (status >= 500) return new ApiError(500, 'internal_error', 'internal server error');
  return new ApiError(status, (fastifyError.code ?? 'bad_request').toLowerCase(), fastifyError.message);
}

/** A schema validation failure in words: where (body, querystring...), which field, what is wrong. */
export function describeValidation(error: FastifyError): { message: string; location: string; field?: string } {
  const first = error.validation?.[0];
  const location = error.validationContext ?? 'request';
  const params = first?.params as { missingProperty?: string; additionalProperty?: string } | undefined;
  const field = first?.instancePath ? first.instancePath.slice(1).replace(/\//g, '.') : (params?.missingProperty ?? params?.additionalProperty);
  const message = params?.additionalProperty ? `${location}: unknown parameter "${params.additionalProperty}"` : `${location}${field ? `.${field}` : ''} ${first?.message ?? 'is invalid'}`;
  return { message, location, ...(field ? { field } : {}) };
}

/**
 * Node answers `Expect: 100-continue` at once by default, so a client sends its whole body even when the
 * request will be refused. For the URLs `defer` selects, the interim response is left to the handler
 * (`reply.raw.writeContinue()`), which sends it only once the request has passed its checks.
 */
export function deferContinue(app: App, defer: (url: string) => boolean): void {
  app.server.on('checkContinue', (request: IncomingMessage, response: ServerResponse) => {
    if (!defer(request.url ?? '')) response.writeContinue();
    app.server.emit('request', request, response);
  });
}
