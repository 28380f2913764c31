import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Controller, Faults } from './faults.js';
import { type ModuleReply, moduleError } from './module-controllers.js';
import type { Params } from './php-params.js';
import type { SimStats } from './stats.js';
import { countStatus } from './stats.js';

/** The reason phrases of ps_eventbus' custom codes (Config::HTTP_STATUS_MESSAGES). */
const MODULE_REASONS: Record<number, string> = {
  452: 'Cannot refresh token',
  453: 'Environment misconfigured',
  454: 'Database syntax error',
  455: 'Failed to write to database',
  456: 'Cannot sync Taxonomies without Facebook module',
  458: 'Invalid URL query',
  459: 'Invalid PsAccounts version',
  460: 'PsAccounts not installed',
};

/** The messages of the module errors the shopError fault plays. */
const FAULT_MESSAGES: Record<number, string> = { 452: 'Invalid token', 454: 'Failed saving job id to database', 458: 'Invalid URL Parameters' };

/** What PHP prints before the JSON when display_errors is on and a notice fires. */
const PHP_WARNING = '<br />\n<b>Warning</b>:  Undefined array key "id_shop" in <b>/var/www/html/modules/ps_eventbus/src/Repository/AbstractRepository.php</b> on line <b>84</b><br />\n';

const MAX_BODY_BYTES = 1_048_576;

export interface ControlReply {
  status: number;
  json: unknown;
}

export interface ShopEndpoints {
  faults: Faults;
  stats: SimStats;
  controller(name: Controller, params: Params): Promise<ModuleReply>;
  /** The simulator's own routes under /__sim/ (faults, stats, changes). */
  control(method: string, path: string, body: unknown): Promise<ControlReply>;
}

/**
 * The shop's web server: PrestaShop's front controller dispatch for ps_eventbus (`index.php?fc=module&
 * module=ps_eventbus&controller=…` and the friendly `/module/ps_eventbus/…`), with the faults applied
 * around the controllers, plus the simulator's control routes.
 */
export function createShopServer(endpoints: ShopEndpoints): http.Server {
  const server = http.createServer((request, response) => {
    handle(endpoints, request, response).catch((error: unknown) => {
      if (!response.headersSent) send(response, 500, { 'Content-Type': 'text/plain' }, `shop simulator error: ${(error as Error).message}`);
      else response.destroy();
    });
  });
  server.keepAliveTimeout = 65_000;
  return server;
}

async function handle(endpoints: ShopEndpoints, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const url = new URL(request.url ?? '/', 'http://shop.invalid');
  const body = await readBody(request);
  if (url.pathname.startsWith('/__sim/')) {
    endpoints.stats.calls.control++;
    let json: unknown;
    try {
      json = body.length > 0 ? JSON.parse(body.toString('utf8')) : undefined;
    } catch {
      return sendJson(response, 400, { error: 'the body is not JSON' });
    }
    const reply = await endpoints.control(request.method ?? 'GET', url.pathname.slice('/__sim'.length), json);
    return sendJson(response, reply.status, reply.json);
  }
  const params = toolsGetValue(url, request, body);
  const controller = dispatch(url.pathname, params);
  if (!controller) {
    endpoints.stats.calls.notFound++;
    return send(response, 404, { 'Content-Type': 'text/html; charset=utf-8' }, '<h1>404 Page not found</h1>');
  }
  endpoints.stats.calls[controller]++;
  const reply = await withFaults(endpoints, controller, response, () => endpoints.controller(controller, params));
  if (!reply) return;
  countStatus(endpoints.stats.replies, reply.status);
  const reason = MODULE_REASONS[reply.status] ?? http.STATUS_CODES[reply.status] ?? '';
  response.writeHead(reply.status, reason, {
    'Cache-Control': 'no-store, no-cache, must-revalidate, post-check=0, pre-check=0',
    'Content-Type': reply.contentType ?? 'application/json;charset=utf-8',
    'Content-Length': Buffer.byteLength(reply.body),
  });
  response.end(reply.body);
}

/** The controller's reply as the faults change it; undefined when the call is left hanging. */
async function withFaults(endpoints: ShopEndpoints, controller: Controller, response: ServerResponse, run: () => Promise<ModuleReply>): Promise<ModuleReply | undefined> {
  const { faults, stats } = endpoints;
  const call = faults.forCall(controller);
  if (call.delayMs > 0) await sleep(call.delayMs);
  if (call.hang) {
    stats.faults.hang++;
    // Never answered: the socket stays open until the caller gives up or the simulator closes.
    if (call.hang.ms === undefined) return undefined;
    await sleep(call.hang.ms);
    if (response.destroyed) return undefined;
  }
  if (call.error500) {
    stats.faults.error500++;
    return moduleError(500, 'Server error');
  }
  if (call.shopError) {
    stats.faults.shopError++;
    return moduleError(call.shopError, FAULT_MESSAGES[call.shopError]!);
  }
  const reply = await run();
  if (!call.malformedJson) return reply;
  stats.faults.malformedJson++;
  return { ...reply, body: PHP_WARNING + reply.body };
}

/** PrestaShop's Dispatcher for the module's front controllers. */
function dispatch(pathname: string, params: Params): Controller | undefined {
  let name: string | undefined;
  if (pathname === '/index.php' || pathname === '/') {
    if (params.get('fc') === 'module' && params.get('module') === 'ps_eventbus') name = params.get('controller');
  } else {
    name = /^\/module\/ps_eventbus\/([A-Za-z]+)$/.exec(pathname)?.[1];
  }
  return name === 'apiShopContent' || name === 'apiHealthCheck' ? name : undefined;
}

/** Tools::getValue: form fields win over query parameters; %00 is stripped from values. */
function toolsGetValue(url: URL, request: IncomingMessage, body: Buffer): Params {
  const params = new Map<string, string>();
  const add = (search: URLSearchParams) => {
    for (const [key, value] of search) params.set(key, value.replaceAll('\0', ''));
  };
  add(url.searchParams);
  if (/^application\/x-www-form-urlencoded/i.test(request.headers['content-type'] ?? '')) add(new URLSearchParams(body.toString('utf8')));
  return params;
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new Error('request body too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function sendJson(response: ServerResponse, status: number, json: unknown): void {
  send(response, status, { 'Content-Type': 'application/json' }, JSON.stringify(json));
}

function send(response: ServerResponse, status: number, headers: Record<string, string>, body: string): void {
  response.writeHead(status, { ...headers, 'Content-Length': Buffer.byteLength(body) });
  response.end(body);
}
