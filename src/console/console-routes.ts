import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyReply } from 'fastify';
import { ApiError } from '../platform/http/api-error.js';
import type { App } from '../platform/http/server.js';

/** From src/console (tsx, tests) and from dist/console (built) alike: both sit two levels below the repo. */
const ASSETS = fileURLToPath(new URL('../../dist/public/console/', import.meta.url));

/**
 * Vite's output is self-contained (no inline script or style, no CDN), so the console can forbid
 * everything but its own origin. Chart.js sizes canvases through the CSSOM, which style-src does not govern.
 */
const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const FILE = /\.[A-Za-z0-9]+$/;

/**
 * The Tech Console: the single-page app built from src/console/ui. Paths without a file extension are
 * client routes and answer index.html; Vite's hashed assets are cached for a year, index.html never.
 */
export async function consoleRoutes(app: App, { assetsDir = ASSETS }: { assetsDir?: string } = {}): Promise<void> {
  await app.register(fastifyStatic, { root: assetsDir, serve: false });
  app.addHook('onSend', async (_request, reply, payload) => {
    reply.header('content-security-policy', CSP);
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    return payload;
  });

  const index = (reply: FastifyReply) => {
    if (!existsSync(path.join(assetsDir, 'index.html'))) throw new ApiError(503, 'console_not_built', 'run npm run build');
    return reply.header('cache-control', 'no-cache').sendFile('index.html', { cacheControl: false });
  };

  app.get('/console', { schema: { hide: true } }, async (_request, reply) => index(reply));
  app.get<{ Params: { '*': string } }>('/console/*', { schema: { hide: true } }, async (request, reply) => {
    const file = request.params['*'];
    if (!FILE.test(file)) return index(reply);
    if (file.startsWith('assets/')) return reply.sendFile(file, { maxAge: '365d', immutable: true });
    return reply.header('cache-control', 'no-cache').sendFile(file, { cacheControl: false });
  });
}
