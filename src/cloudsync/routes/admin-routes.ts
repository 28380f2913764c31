import { Type } from '@sinclair/typebox';
import type { AuthModule } from '../../auth/auth-module.js';
import { requirePrincipal } from '../../auth/routes/require-principal.js';
import { ApiErrorBody, errorResponses } from '../../platform/http/schemas.js';
import type { App } from '../../platform/http/server.js';
import { ShopId } from '../../shops/routes/schemas.js';
import type { CloudSyncModule } from '../cloudsync-module.js';
import { JobIdParam, JobView, jobView } from './schemas.js';

const errors = errorResponses(400, 401, 403, 404);
const security = [{ bearerToken: [] }];
const tags = ['admin'];

const UploadView = Type.Object({
  uploadId: Type.String(),
  jobId: Type.String(),
  endpoint: Type.String(),
  receivedAt: Type.String({ format: 'date-time' }),
  durationMs: Type.Integer(),
  status: Type.Union([Type.Literal('stored'), Type.Literal('rejected')]),
  httpStatus: Type.Integer(),
  errorCode: Type.Union([Type.String(), Type.Null()]),
  errorMessage: Type.Union([Type.String(), Type.Null()]),
  bytes: Type.Integer(),
  lines: Type.Integer(),
  upserted: Type.Integer(),
  deleted: Type.Integer(),
  skipped: Type.Integer(),
  collections: Type.Array(Type.String()),
  fullSyncRequested: Type.Union([Type.Boolean(), Type.Null()]),
  userAgent: Type.Union([Type.String(), Type.Null()]),
});

/** Operator API for sync jobs, the upload log, live-sync requests and reconciliation. */
export async function adminCloudSyncRoutes(app: App, { auth, cloudsync }: { auth: AuthModule; cloudsync: CloudSyncModule }): Promise<void> {
  app.addHook('onRequest', requirePrincipal(auth.verifier, { kinds: ['admin'], audiences: [auth.config.apiAudience] }));

  app.post('/jobs', {
    schema: {
      tags, operationId: 'createJob', summary: 'Issue a sync job for a shop', security,
      description: 'The orchestrator issues jobs itself; this is for operators and tests. Default: every content, incremental, no language, PSIF_JOB_TTL.',
      body: Type.Object({
        shopId: ShopId,
        contents: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { minItems: 1, maxItems: 40 })),
        full: Type.Optional(Type.Boolean()),
        langIso: Type.Optional(Type.String({ maxLength: 16 })),
        ttlSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 31_536_000 })),
      }, { additionalProperties: false, examples: [{ shopId: '3f2c1b1e-0000-4000-8000-000000000001', contents: ['products'], full: true }] }),
      response: { 201: Type.Ref(JobView), ...errors },
    },
  }, async (request, reply) => reply.code(201).send(jobView(await cloudsync.jobs.create(request.body))));

  app.get('/jobs/:jobId', {
    schema: { tags, operationId: 'getJob', summary: 'Get a job', security, params: Type.Object({ jobId: JobIdParam }), response: { 200: Type.Ref(JobView), ...errors } },
  }, async (request) => jobView(await cloudsync.jobs.get(request.params.jobId)));

  app.post('/jobs/:jobId/reconcile', {
    schema: {
      tags, operationId: 'reconcileJob', summary: 'Reconcile after a finished full sync', security,
      description: 'Soft-deletes the rows of the content (in the job language, if any) that the full sync run under this job did not re-send.',
      params: Type.Object({ jobId: JobIdParam }),
      body: Type.Object({ content: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false, examples: [{ content: 'products' }] }),
      response: { 200: Type.Object({ deleted: Type.Integer() }), ...errors },
    },
  }, async (request) => cloudsync.reconcile.afterFullSync(request.params.jobId, request.body.content));

  app.get('/shops/:shopId/uploads', {
    schema: {
      tags, operationId: 'listUploads', summary: 'Recent uploads of a shop', security, params: Type.Object({ shopId: ShopId }),
      querystring: Type.Object({
        status: Type.Optional(Type.Union([Type.Literal('stored'), Type.Literal('rejected')])),
        jobId: Type.Optional(JobIdParam),
        limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
      }, { additionalProperties: false }),
      response: { 200: Type.Object({ items: Type.Array(UploadView) }), ...errors },
    },
  }, async (request) => {
    const rows = await cloudsync.uploadLog.list({ shopId: request.params.shopId, status: request.query.status, jobId: request.query.jobId }, request.query.limit);
    return {
      items: rows.map((r) => ({
        uploadId: r.upload_id, jobId: r.job_id, endpoint: r.endpoint, receivedAt: new Date(r.received_at).toISOString(), durationMs: r.duration_ms,
        status: r.status, httpStatus: r.http_status, errorCode: r.error_code, errorMessage: r.error_message, bytes: r.bytes, lines: r.lines,
        upserted: r.upserted, deleted: r.deleted, skipped: r.skipped, collections: JSON.parse(r.collections) as string[],
        fullSyncRequested: r.full_sync_requested === null ? null : r.full_sync_requested === 1, userAgent: r.user_agent,
      })),
    };
  });

  app.get('/shops/:shopId/live-sync', {
    schema: {
      tags, operationId: 'listLiveSyncRequests', summary: 'Pending live-sync pulls of a shop', security, params: Type.Object({ shopId: ShopId }),
      response: {
        200: Type.Object({
          items: Type.Array(Type.Object({ content: Type.String(), pendingSince: Type.String({ format: 'date-time' }), dueAt: Type.String({ format: 'date-time' }), lastAction: Type.String(), notifications: Type.Integer() })),
        }),
        ...errors,
      },
    },
  }, async (request) => ({
    items: (await cloudsync.liveSync.pending(request.params.shopId)).map((r) => ({
      content: r.content, pendingSince: new Date(r.pending_since).toISOString(), dueAt: new Date(r.due_at).toISOString(), lastAction: r.last_action, notifications: r.notifications,
    })),
  }));
}
