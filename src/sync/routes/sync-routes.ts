import { Type } from '@sinclair/typebox';
import type { AuthModule } from '../../auth/auth-module.js';
import type { Principal } from '../../auth/model.js';
import { requirePrincipal } from '../../auth/routes/require-principal.js';
import { requireSameShop, requireShop } from '../../auth/routes/require-shop.js';
import type { Catalog, Content } from '../../catalog/catalog.js';
import { ApiError } from '../../platform/http/api-error.js';
import { ApiErrorBody, errorResponses } from '../../platform/http/schemas.js';
import type { App } from '../../platform/http/server.js';
import type { RawAccess } from '../../raw/raw-access.js';
import { ShopId } from '../../shops/routes/schemas.js';
import type { SyncMode, SyncTask } from '../model.js';
import type { SyncModule } from '../sync-module.js';

const security = [{ bearerToken: [] }];

const TaskView = Type.Object({
  taskId: Type.String(),
  shopContent: Type.String({ description: 'snake_case content name' }),
  langIso: Type.String({ description: "'' when the shop's default language is used" }),
  mode: Type.Union([Type.Literal('full'), Type.Literal('incremental')]),
  status: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
});

const TriggerResult = Type.Object({
  result: Type.String({ description: '"queued": the pulls are in the queue (a pull already queued for the same content and language is reused)' }),
  tasks: Type.Array(TaskView),
});

const TriggerBody = Type.Object(
  {
    shopId: ShopId,
    shopContents: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { minItems: 1, maxItems: 40, description: 'Shop contents, snake or kebab case' }),
  },
  { additionalProperties: false, examples: [{ shopId: '3f2c1b1e-0000-4000-8000-000000000001', shopContents: ['products', 'orders'] }] },
);

interface Options {
  auth: AuthModule;
  sync: SyncModule;
  access: RawAccess;
  catalog: Catalog;
}

/**
 * The Sync API (cloudsync-protocol §8.3): vendors, shops and operators ask psif to pull a shop now. A
 * vendor may trigger only the contents its consents cover; a shop only itself. The pulls go through the
 * same queue as planned ones, so a trigger never runs a content twice at once.
 */
export async function syncRoutes(app: App, options: Options): Promise<void> {
  await app.register(vendorTriggerRoutes, options);
  await app.register(shopTriggerRoutes, options);
}

async function vendorTriggerRoutes(app: App, { auth, sync, access, catalog }: Options): Promise<void> {
  app.addHook('onRequest', requirePrincipal(auth.verifier, { kinds: ['vendor', 'shop', 'admin'], acceptExternalShopTokens: true }));
  for (const [path, mode, operationId] of [
    ['/sync/v1/sync/trigger', 'incremental', 'AuthSyncController_triggerSyncAuth'],
    ['/sync/v1/sync/trigger-full', 'full', 'AuthSyncController_triggerFullSyncAuth'],
  ] as const) {
    app.post(path, {
      schema: {
        tags: ['reporting', 'sync'], security, operationId,
        summary: mode === 'full' ? 'Trigger a full sync of shop contents' : 'Trigger an incremental sync of shop contents',
        description:
          `Queues ${mode === 'full' ? 'a full sync (full=1, then reconciliation)' : 'an incremental pull (a full sync when the content never finished one)'} of each content, in each language it depends on. ` +
          'Vendor tokens (API audience and tech-vendor/<name>) may trigger the contents their modules have the consent for (403 `consent_missing` otherwise); ' +
          'shop tokens their own shop (403 `shop_mismatch`); admin tokens any shop. Unknown contents: 400 `unknown_content` naming them; ' +
          'contents no module has the consent for: 409 `not_consented` (psif never pulls them).',
        body: TriggerBody,
        response: { 200: TriggerResult, ...errorResponses(400, 401, 403, 404, 409) },
      },
    }, async (request) => {
      const { shopId, shopContents } = request.body;
      const contents = resolve(catalog, shopContents);
      await authorize(request.principal!, shopId, contents, access, auth.config.apiAudience);
      return trigger(sync, shopId, contents, mode, request.principal!.kind === 'vendor' ? 'api' : request.principal!.kind === 'shop' ? 'shop' : 'api');
    });
  }
}

/** §3.6: `GET {sync_api_url}/sync/trigger[-full]` with the shop's token, seen in vendors' back-office code. */
async function shopTriggerRoutes(app: App, { auth, sync }: Options): Promise<void> {
  app.addHook('onRequest', requireShop(auth));
  for (const [path, mode] of [
    ['/sync-api/sync/trigger', 'incremental'],
    ['/sync-api/sync/trigger-full', 'full'],
  ] as const) {
    app.get(path, {
      schema: {
        tags: ['cloudsync'], security, operationId: mode === 'full' ? 'shopTriggerFullSync' : 'shopTriggerSync',
        summary: `The shop asks for ${mode === 'full' ? 'a full' : 'an incremental'} sync of everything it shares`,
        description: 'Shop token only. Every content covered by a consent of the shop, in each language it depends on.',
        response: { 200: TriggerResult, 409: Type.Ref(ApiErrorBody), ...errorResponses(401, 403, 404) },
      },
    }, async (request) => {
      const shopId = request.principal!.shopId!;
      requireSameShop(request.principal, shopId);
      const contents = await sync.consented.forShop(shopId);
      if (contents.length === 0) throw new ApiError(409, 'not_consented', `shop ${shopId} has given no consent: there is nothing psif may pull`);
      return trigger(sync, shopId, contents, mode, 'shop');
    });
  }
}

function resolve(catalog: Catalog, names: readonly string[]): Content[] {
  const contents = names.map((name) => catalog.byPathOrName(name));
  const unknown = names.filter((_, i) => !contents[i]);
  if (unknown.length > 0) throw ApiError.badRequest('unknown_content', `unknown shop content ${unknown.map((n) => `"${n}"`).join(', ')}`, { unknown });
  return [...new Set(contents as Content[])];
}

async function authorize(principal: Principal, shopId: string, contents: readonly Content[], access: RawAccess, apiAudience: string): Promise<void> {
  if (principal.kind === 'admin') {
    if (!principal.audiences.includes(apiAudience)) throw new ApiError(403, 'forbidden', `the token must carry the audience ${apiAudience}`);
    return;
  }
  if (principal.kind === 'shop') return requireSameShop(principal, shopId);
  if (!principal.audiences.includes(apiAudience)) throw new ApiError(403, 'forbidden', `the token must carry the audience ${apiAudience}`);
  // The Raw API's rule: a vendor reaches a shop content only through a consent to one of its modules.
  for (const content of contents) await access.check(principal, shopId, content);
}

async function trigger(sync: SyncModule, shopId: string, contents: readonly Content[], mode: SyncMode, by: 'api' | 'shop') {
  const tasks = await sync.planner.trigger(shopId, contents, mode, by);
  sync.worker?.kick();
  return { result: 'queued', tasks: tasks.map(taskView) };
}

function taskView(task: SyncTask) {
  return { taskId: task.taskId, shopContent: task.content, langIso: task.langIso, mode: task.mode, status: task.status, createdAt: new Date(task.createdAt).toISOString() };
}
