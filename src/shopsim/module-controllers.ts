import { catalog } from '../catalog/catalog.js';
import { phpJsonEncode } from './php-json.js';
import { type Params, parseLimit, phpEqualsOne, phpFalsy } from './php-params.js';
import { type ModuleContext, type SyncResult, SynchronizationService, mysqlNow } from './synchronization-service.js';

/** A reply of the module's front controllers: the status and the JSON text PHP echoes. */
export interface ModuleReply {
  status: number;
  body: string;
  contentType?: string;
}

/** What the health check reports about the shop's software. */
export interface ShopVersions {
  prestashop: string;
  psEventbus: string;
  psAccounts: string | false;
  php: string;
}

/**
 * An upload that never got an HTTP answer (curl error, timeout) is httpCode 0 in the module, which then
 * emits "HTTP/1.1 0": PHP and the web server turn that into an error whose exact form is unverified
 * (cloudsync-protocol §10.10). The simulator answers 502 Bad Gateway with the module's JSON, httpCode 0.
 */
export const NO_UPLOAD_ANSWER_STATUS = 502;

type Authorization = { ok: true; token: string } | { ok: false; reply: ModuleReply };

/** ps_eventbus' apiShopContent and apiHealthCheck (ApiShopContentService, ApiHealthCheckService). */
export class ModuleControllers {
  readonly sync: SynchronizationService;

  constructor(
    private readonly ctx: ModuleContext,
    private readonly versions: ShopVersions,
  ) {
    this.sync = new SynchronizationService(ctx);
  }

  async apiShopContent(params: Params): Promise<ModuleReply> {
    const started = performance.now();
    const content = catalog.content((params.get('shop_content') ?? '').replaceAll('-', '_'));
    if (!content) return moduleError(458, '404 - ShopContent not found');
    const limit = parseLimit(params.get('limit'));
    if (!limit.ok) return limit.error === 'negative' ? moduleError(458, 'Invalid URL Parameters') : { status: 500, body: '', contentType: 'text/html; charset=UTF-8' };
    const jobId = params.get('job_id') ?? '';
    const authorization = await this.authorize(jobId);
    if (!authorization.ok) return authorization.reply;

    const { state, data } = this.ctx;
    const langParam = params.get('lang_iso');
    const lang = phpFalsy(langParam) ? data.languages.default : langParam!;
    let typeSync = state.typeSync(content.name, lang);
    if (!typeSync || phpEqualsOne(params.get('full'))) {
      // A forced full sync empties the content's queue in every language, as the module's DELETE does.
      if (typeSync) state.queue.purge(content.name);
      typeSync = { offset: 0, fullSyncFinished: false, lastSyncDate: mysqlNow() };
      state.setTypeSync(content.name, lang, typeSync);
    }
    const full = !typeSync.fullSyncFinished;
    const result = full
      ? await this.sync.sendFullSync(content.name, jobId, lang, typeSync.offset, limit.limit, authorization.token)
      : await this.sync.sendIncrementalSync(content.name, jobId, lang, limit.limit, authorization.token);
    return syncReply({
      job_id: jobId,
      object_type: content.name,
      syncType: full ? 'full' : 'incremental',
      execution_time_in_seconds: Math.round((performance.now() - started) / 10) / 100,
    }, result);
  }

  async apiHealthCheck(params: Params): Promise<ModuleReply> {
    // authorize() in health-check mode: any failure is only "not authenticated" (even without a job id,
    // the module asks the sync API about the empty id).
    const authenticated = (await this.authorize(params.get('job_id') ?? '')).ok;
    const { token } = await this.ctx.tokens.get();
    const urls = this.ctx.client.urls;
    const sensible = {
      prestashop_version: this.versions.prestashop,
      ps_eventbus_version: this.versions.psEventbus,
      ps_accounts_version: this.versions.psAccounts,
      php_version: this.versions.php,
      shop_id: this.ctx.shopId,
    };
    const server = {
      ps_account: token !== '',
      is_valid_jwt: token !== '',
      ps_eventbus: true,
      env: { EVENT_BUS_PROXY_API_URL: urls.collector, EVENT_BUS_SYNC_API_URL: urls.syncApi, EVENT_BUS_LIVE_SYNC_API_URL: urls.liveSync },
    };
    return { status: 200, body: phpJsonEncode({ ...(authenticated ? sensible : {}), ...server, httpCode: 200 }) };
  }

  /** ApiAuthorizationService::authorize: the job id first (checked once, then cached), then the token. */
  private async authorize(jobId: string): Promise<Authorization> {
    const { state, stats, client, tokens } = this.ctx;
    const token = await tokens.get();
    if (state.jobs.has(jobId)) stats.jobValidations.cached++;
    else {
      stats.jobValidations.requests++;
      const outcome = await client.validateJob(jobId, token.token);
      if (outcome.httpCode !== 201) {
        stats.jobValidations.refused++;
        return { ok: false, reply: moduleError(454, 'Failed saving job id to database') };
      }
      stats.jobValidations.accepted++;
      state.jobs.add(jobId);
    }
    if (!token.token) return { ok: false, reply: moduleError(452, token.error ?? 'Invalid token') };
    return { ok: true, token: token.token };
  }
}

/** CommonService::exitWithExceptionMessage: `object_type` reads a parameter CloudSync never sends. */
export function moduleError(code: number, message: string): ModuleReply {
  return { status: code, body: phpJsonEncode({ object_type: false, status: false, httpCode: code, message }) };
}

/** CommonService::exitWithResponse: the HTTP status is the collector's when something was uploaded. */
function syncReply(head: Record<string, unknown>, result: SyncResult): ModuleReply {
  const response: Record<string, unknown> = {
    ...head,
    total_objects: result.lines,
    has_remaining_objects: result.remaining > 0,
    remaining_objects: result.remaining,
    md5: result.md5,
  };
  const upload = result.upload;
  if (upload) Object.assign(response, { status: upload.httpCode >= 200 && upload.httpCode < 300, httpCode: upload.httpCode, body: upload.body, upload_url: upload.url });
  const code = upload ? upload.httpCode : 200;
  response.httpCode = code;
  return { status: code === 0 ? NO_UPLOAD_ANSWER_STATUS : code, body: phpJsonEncode(response) };
}
