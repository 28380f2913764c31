import { Type } from '@sinclair/typebox';
import type { AuthModule } from '../../auth/auth-module.js';
import { requirePrincipal } from '../../auth/routes/require-principal.js';
import { errorResponses } from '../../platform/http/schemas.js';
import type { App } from '../../platform/http/server.js';
import { ShopId } from '../../shops/routes/schemas.js';
import type { SyncModule } from '../sync-module.js';
import { HealthView, StateView, TaskDetailView, healthView, stateView, taskDetailView } from './views.js';

const security = [{ bearerToken: [] }];
const tags = ['admin'];
const errors = errorResponses(400, 401, 403, 404);

/** Operators' view of the orchestrator: every pull and state of a shop, and a health probe on demand. */
export async function adminSyncRoutes(app: App, { auth, sync }: { auth: AuthModule; sync: SyncModule }): Promise<void> {
  app.addHook('onRequest', requirePrincipal(auth.verifier, { kinds: ['admin'], audiences: [auth.config.apiAudience] }));

  app.get('/shops/:shopId/sync', {
    schema: {
      tags, security, operationId: 'getShopSync', summary: "A shop's sync: state per content and language, active and recent pulls, health",
      params: Type.Object({ shopId: ShopId }),
      querystring: Type.Object({ limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }) }, { additionalProperties: false }),
      response: { 200: Type.Object({ state: Type.Array(StateView), tasks: Type.Array(TaskDetailView), health: Type.Union([HealthView, Type.Null()]) }), ...errors },
    },
  }, async (request) => {
    const { shopId } = request.params;
    await sync.planner.shop(shopId);
    const [state, tasks, health] = await Promise.all([sync.state.forShop(shopId), sync.tasks.list(shopId, request.query.limit), sync.health.get(shopId)]);
    return { state: state.map(stateView), tasks: tasks.map(taskDetailView), health: health ? healthView(health) : null };
  });

  app.post('/shops/:shopId/health-check', {
    schema: {
      tags, security, operationId: 'probeShopHealth', summary: "Probe the shop's apiHealthCheck now",
      description: 'Calls the shop with a short-lived job, so the answer carries the PrestaShop, ps_eventbus, ps_accounts and PHP versions; the result is kept as the shop health.',
      params: Type.Object({ shopId: ShopId }),
      response: { 200: HealthView, ...errors },
    },
  }, async (request) => healthView(await sync.probe.probe(request.params.shopId)));
}
