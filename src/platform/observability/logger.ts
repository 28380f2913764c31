import type { FastifyRequest } from 'fastify';
import pino, { type LoggerOptions } from 'pino';
import type { LogLevel } from '../config/config.js';

/** Query parameters whose values must never reach a log line, even when a client sends them by mistake. */
const SECRET_PARAMETERS = /([?&](?:client_secret|access_token|token|refresh_token|password|secret)=)[^&]*/gi;

export function redactUrl(url: string): string {
  return url.replace(SECRET_PARAMETERS, '$1[REDACTED]');
}

export function loggerOptions(level: LogLevel): LoggerOptions {
  return {
    level,
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers.cookie',
        'headers.authorization',
        '*.client_secret',
        '*.clientSecret',
        '*.access_token',
        '*.token',
        'client_secret',
        'clientSecret',
        'access_token',
      ],
      censor: '[REDACTED]',
    },
    serializers: {
      req(request: FastifyRequest) {
        return { method: request.method, url: redactUrl(request.url), remoteAddress: request.ip, userAgent: request.headers['user-agent'] };
      },
      res(reply: { statusCode: number }) {
        return { statusCode: reply.statusCode };
      },
    },
  };
}

/** The logger of CLI commands and start-up, before (or without) the HTTP server. */
export function createLogger(level: LogLevel) {
  return pino(loggerOptions(level));
}

/** What services log through: Fastify's request-free logger or the CLI's pino logger. */
export type Logger = import('fastify').FastifyBaseLogger;
