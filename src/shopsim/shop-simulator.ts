import type { Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { catalog } from '../catalog/catalog.js';
import { CloudSyncClient, type CloudSyncUrls } from './cloudsync-client.js';
import type { Row } from './content-rules.js';
import { type FaultConfig, FaultConfigError, Faults } from './faults.js';
import { type ControlReply, createShopServer } from './http-server.js';
import { ModuleControllers } from './module-controllers.js';
import { ModuleState, type QueueEntry, type TypeSync } from './module-state.js';
import { type DataSource, buildDataset } from './rows/shop-dataset.js';
import { ShopData } from './rows/shop-data.js';
import { type ShopCredentials, ShopTokenProvider } from './shop-token.js';
import { type SimStats, emptyStats } from './stats.js';
import type { ModuleContext } from './synchronization-service.js';

export interface ShopSimulatorOptions {
  /** The shop's PrestaShop Accounts UUID (the shop id psif knows it by). */
  shopId: string;
  /** psif's base URL: the default of the three CloudSync URLs and of the token endpoint. */
  psifUrl?: string;
  /** ps_eventbus.proxy_api_url (default `${psifUrl}/collector`). */
  collectorUrl?: string;
  /** ps_eventbus.sync_api_url (default `${psifUrl}/sync-api`). */
  syncApiUrl?: string;
  /** ps_eventbus.live_sync_api_url (default `${psifUrl}/live-sync/v1`). */
  liveSyncUrl?: string;
  /** A fixed shop token. */
  token?: string;
  /** Or the credentials of the shop's psif client (tokens from `${psifUrl}/oauth2/token`). */
  clientId?: string;
  clientSecret?: string;
  /** Default: the fixtures of PrestaShop 9.1. */
  source?: DataSource;
  /** The live-sync debounce window (the module's is 5 minutes; 0: no debounce). */
  liveSyncDebounceMs?: number;
  faults?: FaultConfig;
  /** ps_eventbus' version, in its User-Agent and health check (default 4.0.13). */
  moduleVersion?: string;
  /** Upload timeout: the module's max_execution_time fallback of 30 s. */
  uploadTimeoutMs?: number;
}

const DEFAULT_DEBOUNCE_MS = 300_000;
const DEFAULT_MODULE_VERSION = '4.0.13';

/**
 * A PrestaShop shop running ps_eventbus 4.x, over real HTTP: its two front controllers, its calls to
 * CloudSync, its state machine and queue, its hooks (through upsert/delete), and faults on demand.
 */
export class ShopSimulator {
  readonly shopId: string;
  /** The shop's languages, default first. */
  readonly languages: readonly string[];
  private readonly data: ShopData;
  private readonly state = new ModuleState();
  private readonly faultsControl: Faults;
  private readonly statsCounters: SimStats = emptyStats();
  private readonly tokens: ShopTokenProvider;
  private readonly client: CloudSyncClient;
  private readonly controllers: ModuleControllers;
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private readonly psifUrl: string | undefined;
  private baseUrl: string | undefined;

  constructor(options: ShopSimulatorOptions) {
    this.shopId = options.shopId;
    this.psifUrl = options.psifUrl?.replace(/\/+$/, '');
    const url = (explicit: string | undefined, path: string, what: string) => {
      const value = explicit ?? (this.psifUrl ? `${this.psifUrl}${path}` : undefined);
      if (!value) throw new Error(`shop simulator: give psifUrl or ${what}`);
      return value.replace(/\/+$/, '');
    };
    const urls = { collector: url(options.collectorUrl, '/collector', 'collectorUrl'), syncApi: url(options.syncApiUrl, '/sync-api', 'syncApiUrl'), liveSync: url(options.liveSyncUrl, '/live-sync/v1', 'liveSyncUrl') };
    const dataset = buildDataset(options.source ?? { fixtures: '9.1' });
    this.data = new ShopData(dataset);
    this.languages = this.data.languages.isos;
    this.faultsControl = new Faults(options.faults);
    this.tokens = new ShopTokenProvider(undefined, (ok) => (ok ? this.statsCounters.tokens.fetched++ : this.statsCounters.tokens.failures++));
    this.useCredentials(options);
    const moduleVersion = options.moduleVersion ?? DEFAULT_MODULE_VERSION;
    this.client = new CloudSyncClient(urls, `ps-eventbus/${moduleVersion}`, options.uploadTimeoutMs ?? 30_000);
    const context: ModuleContext = {
      shopId: this.shopId,
      data: this.data,
      state: this.state,
      client: this.client,
      tokens: this.tokens,
      faults: this.faultsControl,
      stats: this.statsCounters,
      liveSyncDebounceMs: options.liveSyncDebounceMs ?? DEFAULT_DEBOUNCE_MS,
    };
    this.controllers = new ModuleControllers(context, {
      prestashop: String(dataset.info.cms_version ?? '9.1.0'),
      psEventbus: moduleVersion,
      psAccounts: '8.0.0',
      php: String(dataset.info.php_version ?? '8.3.25'),
    });
    this.server = createShopServer({
      faults: this.faultsControl,
      stats: this.statsCounters,
      controller: (name, params) => (name === 'apiShopContent' ? this.controllers.apiShopContent(params) : this.controllers.apiHealthCheck(params)),
      control: (method, path, body) => this.control(method, path, body),
    });
    this.server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
  }

  /** Starts answering; resolves with the shop's base URL (what psif registers as the shop's url). */
  async listen(port = 0, host = '127.0.0.1'): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => resolve());
    });
    const address = this.server.address() as AddressInfo;
    this.baseUrl = `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
    return this.baseUrl;
  }

  get url(): string {
    if (!this.baseUrl) throw new Error('the shop simulator is not listening');
    return this.baseUrl;
  }

  /** The three URLs of the simulated config.php. */
  get cloudSyncUrls(): CloudSyncUrls {
    return { ...this.client.urls };
  }

  /** Stops, dropping hanging and idle connections. */
  async close(): Promise<void> {
    const listening = this.server.listening;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    this.client.close();
    if (listening) await closed;
  }

  /** Switches to a fixed token or to a psif shop client's credentials. */
  useCredentials(options: { token?: string; clientId?: string; clientSecret?: string }): void {
    let credentials: ShopCredentials | undefined;
    if (options.token !== undefined) credentials = { token: options.token };
    else if (options.clientId && options.clientSecret) {
      if (!this.psifUrl) throw new Error('shop simulator: client credentials need psifUrl (its /oauth2/token)');
      credentials = { tokenUrl: `${this.psifUrl}/oauth2/token`, clientId: options.clientId, clientSecret: options.clientSecret };
    }
    this.tokens.use(credentials);
  }

  /** Changes or adds a row in every language it exists in, then runs the module's hooks (queue, live sync). */
  async upsert(content: string, properties: Row): Promise<void> {
    await this.controllers.sync.afterUpsert(this.data.upsert(contentName(content), properties));
  }

  /** The same change, that the module never hears of (imports, first product save, lost events...). */
  upsertSilently(content: string, properties: Row): void {
    this.data.upsert(contentName(content), properties);
  }

  /** Removes the rows a delete id designates (as `properties.id` of a delete line), then runs the hooks. */
  async delete(content: string, id: string): Promise<void> {
    const name = contentName(content);
    this.data.delete(name, id);
    await this.controllers.sync.afterDelete(name, id);
  }

  /** Removes rows without the module noticing: CloudSync only learns it from a later full sync. */
  deleteSilently(content: string, id: string): void {
    this.data.delete(contentName(content), id);
  }

  /** The rows a full sync of `content` in `lang` (default language if omitted) would send, in order. */
  rows(content: string, lang = this.languages[0]!): Row[] {
    return this.data.table(contentName(content)).rows(lang);
  }

  count(content: string, lang = this.languages[0]!): number {
    return this.data.table(contentName(content)).count(lang);
  }

  /** The incremental queue of a content in a language, in the order the module takes it. */
  queue(content: string, lang = this.languages[0]!): QueueEntry[] {
    return this.state.queue.entries(contentName(content), lang);
  }

  typeSync(content: string, lang = this.languages[0]!): TypeSync | undefined {
    return this.state.typeSync(contentName(content), lang);
  }

  get faults(): FaultConfig {
    return this.faultsControl.config;
  }

  setFaults(faults: FaultConfig): void {
    this.faultsControl.set(faults);
  }

  /** A copy of the counters. */
  get stats(): SimStats {
    return structuredClone(this.statsCounters);
  }

  private async control(method: string, path: string, body: unknown): Promise<ControlReply> {
    const route = `${method} ${path}`;
    try {
      switch (route) {
        case 'GET /faults':
          return { status: 200, json: this.faults };
        case 'PUT /faults':
          this.setFaults((body ?? {}) as FaultConfig);
          return { status: 200, json: this.faults };
        case 'GET /stats':
          return { status: 200, json: this.statsCounters };
        case 'POST /upsert': {
          const { content, properties, silent } = body as { content: string; properties: Row; silent?: boolean };
          if (silent) this.upsertSilently(content, properties);
          else await this.upsert(content, properties);
          return { status: 200, json: { content, upserted: true } };
        }
        case 'POST /delete': {
          const { content, id, silent } = body as { content: string; id: string; silent?: boolean };
          if (silent) this.deleteSilently(content, String(id));
          else await this.delete(content, String(id));
          return { status: 200, json: { content, deleted: true } };
        }
        default:
          return { status: 404, json: { error: `no route ${route} (GET|PUT /__sim/faults, GET /__sim/stats, POST /__sim/upsert, POST /__sim/delete)` } };
      }
    } catch (error) {
      if (error instanceof FaultConfigError || error instanceof UnknownContentError || error instanceof TypeError) return { status: 400, json: { error: (error as Error).message } };
      throw error;
    }
  }
}

class UnknownContentError extends Error {
  override name = 'UnknownContentError';
}

function contentName(name: string): string {
  const content = catalog.byPathOrName(String(name));
  if (!content) throw new UnknownContentError(`unknown shop content "${name}"`);
  return content.name;
}
