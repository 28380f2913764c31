import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import type { AuthModule } from '../../auth/auth-module.js';
import type { BillingModule } from '../../billing/billing-module.js';
import { requirePrincipal } from '../../auth/routes/require-principal.js';
import { errorResponses } from '../../platform/http/schemas.js';
import type { App } from '../../platform/http/server.js';
import { ShopId } from '../../shops/routes/schemas.js';
import { isoInstant } from '../../platform/time/iso-instant.js';
import { errorCodeTable } from '../../sync/error-codes.js';
import { instant, reportWindow } from '../report-window.js';
import type { ReportingModule } from '../reporting-module.js';
import type { ErrorScope } from '../services/error-statistics.js';
import {
  ContentParameter,
  ErrorReport,
  HourlyErrorReport,
  JobList,
  JobsQuery,
  NoQuery,
  Overview,
  OverviewQuery,
  ShopConsents,
  ShopList,
  ShopsQuery,
  ShopHealthView,
  ShopSyncOnboarding,
  ShopSyncSetup,
  ShopSyncSummary,
  SyncState,
  VendorId,
  VendorWindowQuery,
  WindowQuery,
} from './schemas.js';

const security = [{ bearerToken: [] }];
const tags = ['reporting'];
const ShopParams = Type.Object({ shopId: ShopId });
const VendorParams = Type.Object({ vendorId: VendorId });
const ACCESS = 'Vendor tokens: the shop must have a consent for one of your modules (403 `consent_missing` otherwise, also for an unknown shop). Admin tokens: any shop (404 `shop_not_found` for an unknown one), every module\'s consents.';
const WINDOW = 'The window is `[start, end)`: the last 24 hours by default, at most PSIF_SYNC_HISTORY_DAYS days (default 90); 400 `invalid_window` otherwise. Only errors of the contents your consents cover are counted.';
const CODES = `Error codes:\n\n${errorCodeTable()}`;

interface WindowParams {
  start?: string;
  end?: string;
}

/**
 * The Reporting API: PrestaShop's five routes (cloudsync-protocol §8.2) with the Go client's shapes, and
 * psif's job history, sync state, hourly error series and shop health. Vendors only; every answer is
 * scoped by the caller's consents (ReportingAccess).
 */
export async function reportingRoutes(app: App, { auth, reporting, billing }: { auth: AuthModule; reporting: ReportingModule; billing: BillingModule }): Promise<void> {
  app.addHook('onRequest', requirePrincipal(auth.verifier, { kinds: ['vendor', 'admin'], audiences: [auth.config.apiAudience] }));
  const { access } = reporting;
  const shopOf = (request: FastifyRequest, shopId: string) => access.shop(access.viewer(request.principal), shopId);
  /** The errors a vendor route counts: one shop's (which must consent to the vendor), or all its shops'. */
  const vendorScope = async (request: FastifyRequest, vendorId: string, shopId: string | undefined): Promise<ErrorScope> => {
    const viewer = access.viewer(request.principal);
    const vendor = await access.vendorNamed(viewer, vendorId);
    if (shopId === undefined) return { vendorClientId: vendor.clientId };
    const scope = await access.shop({ ...vendor, kind: 'vendor' }, shopId);
    return { shopId, contents: scope.contents.map((c) => c.name) };
  };
  const windowOf = (query: WindowParams) => reportWindow(query, reporting.maxWindowDays);
  const windowView = (window: { start: number; end: number }) => ({ start: isoInstant(window.start), end: isoInstant(window.end) });

  app.get('/reporting/v1/overview', {
    schema: {
      tags, security, operationId: 'getOverview', summary: 'KPIs across your shops: installations, countries, sync volume and errors, billing',
      description:
        'The figures of a dashboard. Vendors get their own (`vendorId`, when given, must name you: 403 otherwise); admin tokens get every vendor\'s, or one vendor\'s with `vendorId` (404 `vendor_not_found`). ' +
        'An installation is a shop that onboarded a module: active while the shop holds a consent for it, inactive once every consent was revoked. ' +
        `Sync volume and errors cover the contents the consents cover. Billing KPIs are live data unless \`sandbox=true\`. ${WINDOW}`,
      querystring: OverviewQuery,
      response: { 200: Overview, ...errorResponses(400, 401, 403, 404) },
    },
  }, async (request) => {
    const viewer = access.viewer(request.principal);
    const { vendorId, sandbox } = request.query;
    const vendorClientId = vendorId === undefined ? (viewer.kind === 'admin' ? null : viewer.clientId) : (await access.vendorNamed(viewer, vendorId)).clientId;
    const window = windowOf(request.query);
    const [sync, billingKpis] = await Promise.all([
      reporting.kpis.sync(vendorClientId, window),
      billing.kpis.kpis({ vendorClientId, env: sandbox ? 'sandbox' : 'live', ...window }),
    ]);
    return { ...sync, billing: billingKpis };
  });

  app.get('/reporting/v1/shops', {
    schema: {
      tags, security, operationId: 'listVisibleShops', summary: 'The shops you may open, with their health at a glance',
      description: 'Vendors: the shops holding at least one consent for your modules, with your modules\' consents only. Admin tokens: every registered shop and module.',
      querystring: ShopsQuery,
      response: { 200: ShopList, ...errorResponses(400, 401, 403) },
    },
  }, async (request) => {
    const viewer = access.viewer(request.principal);
    const query = request.query as { q?: string; limit: number; offset: number };
    return reporting.directory.list({ vendorClientId: viewer.kind === 'admin' ? null : viewer.clientId, ...query });
  });

  app.get('/reporting/v1/shop/:shopId/consents', {
    schema: {
      tags, security, operationId: 'getShopConsentReport', summary: "The consents the shop gives your modules, and their log",
      description: `Per module: the consents held now and the last changes (granted or revoked, and through which route). ${ACCESS}`,
      params: ShopParams, querystring: NoQuery,
      response: { 200: ShopConsents, ...errorResponses(400, 401, 403, 404) },
    },
  }, async (request) => reporting.directory.consents(await shopOf(request, request.params.shopId)));

  app.get('/reporting/v1/shop-sync-setup/:shopId', {
    schema: {
      tags, security, operationId: 'ShopSyncSetupController_getShopSyncSetup', summary: "A shop's sync setup: URL, contents and languages",
      description: `The contents listed are those your consents cover. ${ACCESS}`,
      params: ShopParams, querystring: NoQuery,
      response: { 200: ShopSyncSetup, ...errorResponses(400, 401, 403, 404) },
    },
  }, async (request) => {
    const scope = await shopOf(request, request.params.shopId);
    return reporting.overview.setup(scope);
  });

  app.get('/reporting/v1/shop-sync-summary/:shopId', {
    schema: {
      tags, security, operationId: 'ShopSyncSummaryController_getSyncSummaryByShopId', summary: 'When a content was first and last synced',
      description: `\`shopContent\` is required; the answer names it in snake_case. A content your consents do not cover answers 403 \`consent_missing\`. ${ACCESS}`,
      params: ShopParams,
      querystring: Type.Object({ shopContent: ContentParameter }, { additionalProperties: false }),
      response: { 200: ShopSyncSummary, ...errorResponses(400, 401, 403, 404) },
    },
  }, async (request) => {
    const scope = await shopOf(request, request.params.shopId);
    return reporting.overview.summary(scope, access.content(scope, request.query.shopContent as string));
  });

  app.get('/reporting/v1/shop-sync-onboarding/:shopId', {
    schema: {
      tags, security, operationId: 'ShopOnboardingController_getOnboardingInfoByShopId', summary: 'When the shop onboarded your modules',
      description: `An onboarding is a module's consents going from none to some (the grant of \`info\`). ${ACCESS}`,
      params: ShopParams, querystring: NoQuery,
      response: { 200: ShopSyncOnboarding, ...errorResponses(400, 401, 403, 404) },
    },
  }, async (request) => {
    const scope = await shopOf(request, request.params.shopId);
    return reporting.overview.onboarding(scope);
  });

  app.get('/reporting/v1/vendor/:vendorId/errors', {
    schema: {
      tags, security, operationId: 'VendorErrorCodeController_getVendorErrorsCode', summary: 'Sync errors of your shops, by code',
      description: `Failed calls to every shop that consents to one of your modules (or to \`shopId\` only), counted by code. \`vendorId\` is you: your client id or your vendor name (403 otherwise). ${WINDOW}\n\n${CODES}`,
      params: VendorParams, querystring: VendorWindowQuery,
      response: { 200: ErrorReport, ...errorResponses(400, 401, 403, 404) },
    },
  }, async (request) => {
    const scope = await vendorScope(request, request.params.vendorId, request.query.shopId);
    const window = windowOf(request.query);
    return { ...windowView(window), errors: await reporting.errors.totals(scope, window) };
  });

  app.get('/reporting/v1/shop/:shopId/errors', {
    schema: {
      tags, security, operationId: 'ShopErrorCodeController_getShopErrorsCode', summary: "A shop's sync errors, by code",
      description: `Failed calls to the shop, counted by code. ${WINDOW} ${ACCESS}\n\n${CODES}`,
      params: ShopParams, querystring: WindowQuery,
      response: { 200: ErrorReport, ...errorResponses(400, 401, 403, 404) },
    },
  }, async (request) => {
    const scope = await shopOf(request, request.params.shopId);
    const window = windowOf(request.query);
    return { ...windowView(window), errors: await reporting.errors.totals({ shopId: scope.shopId, contents: scope.contents.map((c) => c.name) }, window) };
  });

  app.get('/reporting/v1/vendor/:vendorId/errors/hourly', {
    schema: {
      tags, security, operationId: 'getVendorErrorsHourly', summary: 'Sync errors of your shops, per hour and code',
      description: `Counts per UTC hour and psif error code, for charts. \`vendorId\` is you: your client id or your vendor name. ${WINDOW}\n\n${CODES}`,
      params: VendorParams, querystring: VendorWindowQuery,
      response: { 200: HourlyErrorReport, ...errorResponses(400, 401, 403, 404) },
    },
  }, async (request) => {
    const scope = await vendorScope(request, request.params.vendorId, request.query.shopId);
    const window = windowOf(request.query);
    return { ...windowView(window), buckets: await reporting.errors.hourly(scope, window) };
  });

  app.get('/reporting/v1/shop/:shopId/errors/hourly', {
    schema: {
      tags, security, operationId: 'getShopErrorsHourly', summary: "A shop's sync errors, per hour and code",
      description: `Counts per UTC hour and psif error code, for charts. ${WINDOW} ${ACCESS}\n\n${CODES}`,
      params: ShopParams, querystring: WindowQuery,
      response: { 200: HourlyErrorReport, ...errorResponses(400, 401, 403, 404) },
    },
  }, async (request) => {
    const scope = await shopOf(request, request.params.shopId);
    const window = windowOf(request.query);
    return { ...windowView(window), buckets: await reporting.errors.hourly({ shopId: scope.shopId, contents: scope.contents.map((c) => c.name) }, window) };
  });

  app.get('/reporting/v1/shop/:shopId/jobs', {
    schema: {
      tags, security, operationId: 'getShopSyncJobs', summary: "A shop's sync jobs (pulls), newest first",
      description: `One job per pull of a content in a language. Only contents your consents cover are listed; filtering on another answers 403 \`consent_missing\`. ${ACCESS}`,
      params: ShopParams, querystring: JobsQuery,
      response: { 200: JobList, ...errorResponses(400, 401, 403, 404) },
    },
  }, async (request) => {
    const scope = await shopOf(request, request.params.shopId);
    const query = request.query as { limit: number; offset: number; status?: string; shopContent?: string; mode?: string; trigger?: string; createdAtStart?: string; createdAtEnd?: string };
    const content = query.shopContent === undefined ? undefined : access.content(scope, query.shopContent).name;
    const result = await reporting.jobs.list(scope, {
      contents: scope.contents.map((c) => c.name),
      content,
      status: query.status,
      mode: query.mode,
      trigger: query.trigger,
      createdAtStart: query.createdAtStart === undefined ? undefined : instant(query.createdAtStart, 'createdAtStart'),
      createdAtEnd: query.createdAtEnd === undefined ? undefined : instant(query.createdAtEnd, 'createdAtEnd'),
      limit: query.limit,
      offset: query.offset,
    });
    return { kind: 'sync-jobs', items: result.items, total: result.total, pagination: { offset: query.offset, limit: query.limit }, links: links(reporting.publicUrl, request.url, result.total, query.offset, query.limit) };
  });

  app.get('/reporting/v1/shop/:shopId/sync-state', {
    schema: {
      tags, security, operationId: 'getShopSyncState', summary: 'Where each content stands, per language',
      description: `Per content your consents cover and per language: sync mode, milestones, rows held, lag, last error and the pull queued or running. ${ACCESS}\n\n${CODES}`,
      params: ShopParams, querystring: NoQuery,
      response: { 200: SyncState, ...errorResponses(400, 401, 403, 404) },
    },
  }, async (request) => {
    const scope = await shopOf(request, request.params.shopId);
    return reporting.state.forShop(scope);
  });

  app.get('/reporting/v1/shop/:shopId/health', {
    schema: {
      tags, security, operationId: 'getShopHealth', summary: "The shop's last health probe",
      description: `The last apiHealthCheck call psif made to the shop; 404 \`health_unknown\` before the first. ${ACCESS}`,
      params: ShopParams, querystring: NoQuery,
      response: { 200: ShopHealthView, ...errorResponses(400, 401, 403, 404) },
    },
  }, async (request) => {
    const scope = await shopOf(request, request.params.shopId);
    return reporting.health.last(scope);
  });
}

/** Absolute offset links that keep every filter. */
function links(publicUrl: string, url: string, total: number, offset: number, limit: number) {
  const [path, search = ''] = url.split('?') as [string, string?];
  const at = (newOffset: number) => {
    const params = new URLSearchParams(search);
    params.set('offset', String(newOffset));
    return `${publicUrl}${path}?${params.toString()}`;
  };
  const lastOffset = total === 0 ? 0 : Math.floor((total - 1) / limit) * limit;
  return {
    first: at(0),
    last: at(lastOffset),
    prev: offset === 0 ? null : at(Math.max(0, offset - limit)),
    next: offset + limit < total ? at(offset + limit) : null,
  };
}
