import { randomUUID } from 'node:crypto';
import { type Command, InvalidArgumentError } from 'commander';
import type { FaultConfig } from '../shopsim/faults.js';
import { ShopSimulator } from '../shopsim/shop-simulator.js';
import { statsLine } from '../shopsim/stats.js';
import { printJson, withCore } from './output.js';

interface ShopSimOptions {
  products: number;
  languages: string;
  orders?: number;
  customers?: number;
  carts?: number;
  country?: string;
  fixtures?: string;
  port: number;
  host: string;
  psifUrl: string;
  collectorUrl?: string;
  syncApiUrl?: string;
  liveSyncUrl?: string;
  shopId: string;
  clientId?: string;
  clientSecret?: string;
  token?: string;
  register?: boolean;
  debounceMs: number;
  moduleVersion?: string;
  statsInterval: number;
  faults?: FaultConfig;
  delayMs?: number;
  fault500Rate?: number;
  fault500Next?: number;
  hangRate?: number;
  hangNext?: number;
  hangMs?: number;
  malformedRate?: number;
  churnInserts?: number;
  churnDeletes?: number;
  loseEventsRate?: number;
  seed?: number;
  json?: boolean;
}

const integer = (value: string): number => {
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed) || parsed < 0) throw new InvalidArgumentError('not a non-negative integer');
  return parsed;
};
const rate = (value: string): number => {
  const parsed = Number(value);
  if (!(parsed >= 0 && parsed <= 1)) throw new InvalidArgumentError('not a rate between 0 and 1');
  return parsed;
};
const json = (value: string): FaultConfig => {
  try {
    return JSON.parse(value) as FaultConfig;
  } catch {
    throw new InvalidArgumentError('not JSON');
  }
};

export function registerShopSimCommand(program: Command): void {
  program
    .command('shop-sim')
    .description('Run a simulated PrestaShop shop with ps_eventbus 4.x (docs/shop-simulator.md), until SIGINT/SIGTERM')
    .option('--products <n>', 'generated shop: number of products (a third get 2-4 combinations)', integer, 1000)
    .option('--languages <n|codes>', 'generated shop: number of languages (en, fr, es, de...) or ISO codes, default first', '1')
    .option('--orders <n>', 'generated shop: orders (default products / 10)', integer)
    .option('--customers <n>', 'generated shop: customers (default products / 20)', integer)
    .option('--carts <n>', 'generated shop: carts (default orders × 1.25)', integer)
    .option('--country <code>', "generated shop: its country (ISO 3166-1 alpha-2) in the info content, e.g. FR (default GB)")
    .option('--fixtures <version>', 'serve the real ps_eventbus fixtures of a PrestaShop version (1.6, 1.7, 8, 9, 9.1) instead')
    .option('--port <port>', 'port to listen on (0: any free port)', integer, 9000)
    .option('--host <host>', 'interface to listen on', '127.0.0.1')
    .option('--psif-url <url>', "psif's base URL (CloudSync URLs and token endpoint)", process.env.PSIF_PUBLIC_URL ?? 'http://127.0.0.1:8080')
    .option('--collector-url <url>', 'ps_eventbus.proxy_api_url (default <psif-url>/collector)')
    .option('--sync-api-url <url>', 'ps_eventbus.sync_api_url (default <psif-url>/sync-api)')
    .option('--live-sync-url <url>', 'ps_eventbus.live_sync_api_url (default <psif-url>/live-sync/v1)')
    .option('--shop-id <uuid>', 'the shop UUID (default: a new one)', randomUUID())
    .option('--client-id <id>', "the shop's psif client (with --client-secret)")
    .option('--client-secret <secret>', "the shop's psif client secret")
    .option('--token <token>', 'a fixed shop token instead of client credentials')
    .option('--register', "register the shop (url, languages) and its client in psif's database, from the same environment as psif start")
    .option('--debounce-ms <ms>', 'live-sync debounce window (the module: 300000; 0: none)', integer, 300_000)
    .option('--module-version <version>', 'ps_eventbus version in the User-Agent and health check', '4.0.13')
    .option('--stats-interval <seconds>', 'print a stats line every so often on stderr (0: only on exit)', integer, 10)
    .option('--faults <json>', 'the whole fault configuration as JSON (see docs/shop-simulator.md)', json)
    .option('--delay-ms <ms>', 'fault: delay every answer', integer)
    .option('--fault-500-rate <rate>', 'fault: share of calls answered 500', rate)
    .option('--fault-500-next <n>', 'fault: the next n calls answer 500', integer)
    .option('--hang-rate <rate>', 'fault: share of calls never answered', rate)
    .option('--hang-next <n>', 'fault: the next n calls are never answered', integer)
    .option('--hang-ms <ms>', 'fault: hanging calls are answered after this delay instead of never', integer)
    .option('--malformed-rate <rate>', 'fault: share of replies with PHP warnings before the JSON', rate)
    .option('--churn-inserts <n>', 'fault: rows inserted at the start of the table after each full-sync page', integer)
    .option('--churn-deletes <n>', 'fault: rows deleted at the start of the table after each full-sync page', integer)
    .option('--lose-events-rate <rate>', "fault: share of hook events lost (the module's queue guard: 0.05)", rate)
    .option('--seed <n>', 'seed of the fault rates', integer)
    .option('--json', 'print the startup information as one JSON line')
    .action(async (options: ShopSimOptions) => {
      if (options.register && (options.clientId || options.token)) throw new InvalidArgumentError('--register creates the shop client: do not combine it with --client-id or --token');
      const languages = /^\d+$/.test(options.languages) ? Number(options.languages) : options.languages.split(',').map((l) => l.trim()).filter(Boolean);
      const simulator = new ShopSimulator({
        shopId: options.shopId,
        psifUrl: options.psifUrl,
        collectorUrl: options.collectorUrl,
        syncApiUrl: options.syncApiUrl,
        liveSyncUrl: options.liveSyncUrl,
        token: options.token,
        clientId: options.clientId,
        clientSecret: options.clientSecret,
        source: options.fixtures ? { fixtures: options.fixtures } : { generated: { products: options.products, languages, orders: options.orders, customers: options.customers, carts: options.carts, country: options.country } },
        liveSyncDebounceMs: options.debounceMs,
        moduleVersion: options.moduleVersion,
        faults: faultsOf(options),
      });
      const url = await simulator.listen(options.port, options.host);
      let clientId = options.clientId;
      if (options.register) {
        const registered = await withCore((core) => core.shops.shops.register(simulator.shopId, { url, languages: [...simulator.languages] }));
        clientId = registered.clientId;
        simulator.useCredentials({ clientId: registered.clientId, clientSecret: registered.clientSecret });
      }
      printStartup(simulator, options, clientId);
      runUntilSignal(simulator, options.statsInterval);
    });
}

function faultsOf(options: ShopSimOptions): FaultConfig {
  const faults: FaultConfig = { ...options.faults };
  const trigger = (next: number | undefined, rate: number | undefined) => (next === undefined && rate === undefined ? undefined : { next, rate });
  if (options.delayMs !== undefined) faults.delayMs = options.delayMs;
  faults.error500 = trigger(options.fault500Next, options.fault500Rate) ?? faults.error500;
  const hang = trigger(options.hangNext, options.hangRate);
  if (hang) faults.hang = { ...hang, ms: options.hangMs };
  if (options.malformedRate !== undefined) faults.malformedJson = { rate: options.malformedRate };
  if (options.churnInserts !== undefined || options.churnDeletes !== undefined) faults.churn = { inserts: options.churnInserts, deletes: options.churnDeletes };
  if (options.loseEventsRate !== undefined) faults.loseEvents = { rate: options.loseEventsRate };
  if (options.seed !== undefined) faults.seed = options.seed;
  return JSON.parse(JSON.stringify(faults)) as FaultConfig;
}

function printStartup(simulator: ShopSimulator, options: ShopSimOptions, clientId: string | undefined): void {
  const urls = simulator.cloudSyncUrls;
  const info = {
    url: simulator.url,
    shop_id: simulator.shopId,
    languages: simulator.languages,
    data: options.fixtures ? `fixtures ${options.fixtures}` : `${options.products} products`,
    product_rows: simulator.count('products'),
    registered: options.register === true,
    client_id: clientId ?? null,
    collector_url: urls.collector,
    sync_api_url: urls.syncApi,
    live_sync_url: urls.liveSync,
  };
  if (options.json) return printJson(info);
  process.stdout.write(
    `Shop simulator (ps_eventbus ${options.moduleVersion}) listening on ${info.url}\n` +
      `  shop id:    ${info.shop_id}${info.registered ? ` (registered in psif, client ${info.client_id})` : ''}\n` +
      `  data:       ${info.data} (${info.product_rows} product rows), languages ${info.languages.join(',')}\n` +
      `  CloudSync:  collector ${urls.collector}, sync API ${urls.syncApi}, live sync ${urls.liveSync}\n` +
      `  endpoint:   ${info.url}/index.php?fc=module&module=ps_eventbus&controller=apiShopContent\n` +
      `  control:    GET|PUT ${info.url}/__sim/faults, GET ${info.url}/__sim/stats\n`,
  );
}

function runUntilSignal(simulator: ShopSimulator, statsIntervalSeconds: number): void {
  const timer = statsIntervalSeconds > 0 ? setInterval(() => process.stderr.write(`${statsLine(simulator.stats)}\n`), statsIntervalSeconds * 1000) : undefined;
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    clearInterval(timer);
    process.stderr.write(`${statsLine(simulator.stats)}\n`);
    simulator.close().then(() => (process.exitCode = 0), () => process.exit(1));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
