import { Type } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AuthModule } from '../../auth/auth-module.js';
import { requireSameShop, requireShop } from '../../auth/routes/require-shop.js';
import { ApiError } from '../../platform/http/api-error.js';
import { ApiErrorBody, errorResponses } from '../../platform/http/schemas.js';
import { type App, deferContinue } from '../../platform/http/server.js';
import { createValidatorCompiler } from '../../platform/http/validation.js';
import { ShopId } from '../../shops/routes/schemas.js';
import type { CloudSyncModule } from '../cloudsync-module.js';
import type { Job, UploadResult } from '../model.js';
import type { Metrics } from '../../platform/observability/metrics.js';
import { type Endpoint, MAX_REPORTED_LINES, recordRefusal } from '../ingest/upload-service.js';
import { JobIdParam, JobView, LINE_ERROR_TABLE, UploadResultView, jobView } from './schemas.js';

const security = [{ bearerToken: [] }];
const tags = ['cloudsync'];
const authErrors = errorResponses(401, 403, 404);
const UPLOAD_PATHS = /^\/collector(?:\/v1)?\/(?:upload|delete)\//;

const UPLOAD_DESCRIPTION = `ps_eventbus' upload (cloudsync-protocol §3.4, §5): multipart/form-data with one part named \`file\`
holding NDJSON lines \`{action, collection, properties}\` joined by CRLF or LF; blank lines are skipped. The body is
streamed; every line is validated against the catalog; then the whole batch is stored in one transaction and the
answer is 201. Only 201 means stored: ps_eventbus re-sends the page on anything else, and re-sending is idempotent.

Errors (\`{statusCode, code, message, details?}\`): 401 \`unauthorized\`/\`invalid_token\`; 403 \`job_of_another_shop\`;
404 \`job_not_found\` or \`job_expired\`; 415 \`unsupported_media_type\`; 413 \`payload_too_large\` (PSIF_UPLOAD_MAX_BYTES);
400 \`malformed_multipart\`, \`missing_file\`, \`multiple_files\`, \`empty_upload\`, \`client_aborted\`, or \`invalid_lines\`
whose \`details\` give \`invalidLines\` (the count) and \`lines\`: the first ${MAX_REPORTED_LINES} bad lines as
\`{line, code, message}\`, with these codes:

| code | meaning |
|---|---|
${LINE_ERROR_TABLE}

A rejected upload stores nothing; it is logged for the Reporting API.`;

/** The routes ps_eventbus calls, under both the legacy and the versioned prefixes (cloudsync-protocol §1). */
export async function shopFacingRoutes(app: App, options: { auth: AuthModule; cloudsync: CloudSyncModule; metrics: Metrics }): Promise<void> {
  app.addHook('onRequest', requireShop(options.auth));
  await app.register(syncApiRoutes, options);
  await app.register(collectorRoutes, options);
}

async function syncApiRoutes(app: App, { cloudsync }: { cloudsync: CloudSyncModule }): Promise<void> {
  for (const prefix of ['/sync-api', '/sync/v1']) {
    app.get(`${prefix}/job/:jobId`, {
      schema: {
        tags, operationId: prefix === '/sync-api' ? 'validateJob' : 'validateJobV1', summary: 'Validate a job id (ps_eventbus, before its first upload)', security,
        description: '201 only for a live job of the calling shop: ps_eventbus treats anything else, even 200, as a refusal (shop error 454).',
        params: Type.Object({ jobId: JobIdParam }),
        response: { 201: Type.Ref(JobView), ...authErrors },
      },
    }, async (request, reply) => reply.code(201).send(jobView(await cloudsync.jobs.validate(request.params.jobId, request.principal))));
  }

  for (const prefix of ['/live-sync/v1', '/live-sync-api/v1']) {
    app.post(`${prefix}/notify/:shopId`, {
      schema: {
        tags, operationId: prefix === '/live-sync/v1' ? 'notify' : 'notifyLegacy', summary: 'Live-sync notification (ps_eventbus)', security,
        description: 'Records a pending incremental pull of each content, debounced (PSIF_LIVE_SYNC_DEBOUNCE_MS). Contents are kebab or snake case. ps_eventbus ignores the answer.',
        params: Type.Object({ shopId: ShopId }),
        body: Type.Object({
          shopContents: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { minItems: 1, maxItems: 40 }),
          action: Type.Union([Type.Literal('upsert'), Type.Literal('delete')]),
        }, { additionalProperties: true, examples: [{ shopContents: ['products'], action: 'upsert' }] }),
        response: { 201: Type.Object({ shopId: Type.String(), contents: Type.Array(Type.String()), action: Type.String() }), 400: Type.Ref(ApiErrorBody), ...authErrors },
      },
    }, async (request, reply) => {
      requireSameShop(request.principal, request.params.shopId);
      const { contents } = await cloudsync.liveSync.notify(request.params.shopId, request.body.shopContents, request.body.action);
      return reply.code(201).send({ shopId: request.params.shopId, contents, action: request.body.action });
    });
  }
}

async function collectorRoutes(app: App, { cloudsync, metrics }: { cloudsync: CloudSyncModule; metrics: Metrics }): Promise<void> {
  deferContinue(app, (url) => UPLOAD_PATHS.test(url));
  // The collector reads its own body as a stream; Fastify must not buffer or reject it first.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, _payload, done) => done(null));
  // The body schema below documents the multipart upload in OpenAPI; the upload service validates it.
  const compile = createValidatorCompiler(app);
  app.setValidatorCompiler((request) => (request.httpPart === 'body' ? () => true : compile(request)));
  const MultipartFile = Type.Object({ file: Type.String({ format: 'binary', description: 'NDJSON lines joined by CRLF or LF (ps_eventbus: filename "file", text/plain)' }) }, { required: ['file'] });

  const collector = (endpoint: Endpoint) => async (request: FastifyRequest<{ Params: { jobId: string } }>, reply: FastifyReply) => {
    let job: Job;
    try {
      job = await cloudsync.jobs.requireLive(request.params.jobId, request.principal);
    } catch (error) {
      metrics.collectorUploads.inc({ endpoint, outcome: error instanceof ApiError ? error.code : 'internal_error' });
      const shopId = request.principal?.shopId;
      if (error instanceof ApiError && shopId) {
        await recordRefusal(cloudsync.uploadLog, { shopId, jobId: request.params.jobId, endpoint, raw: request.raw, error }).catch(() => undefined);
      }
      throw error;
    }
    let result: UploadResult;
    try {
      result = await cloudsync.uploads.receive({ job, endpoint, raw: request.raw, writeContinue: () => reply.raw.writeContinue() });
    } catch (error) {
      metrics.collectorUploads.inc({ endpoint, outcome: error instanceof ApiError ? error.code : 'internal_error' });
      throw error;
    }
    metrics.collectorUploads.inc({ endpoint, outcome: 'ok' });
    metrics.collectorLines.inc({ operation: 'upsert' }, result.upserted);
    metrics.collectorLines.inc({ operation: 'delete' }, result.accepted - result.upserted);
    metrics.collectorLines.inc({ operation: 'skipped' }, result.skipped);
    request.log.info({ shopId: job.shopId, jobId: job.jobId, accepted: result.accepted, upserted: result.upserted, deleted: result.deleted, skipped: result.skipped }, 'upload stored');
    if (result.ignoredProperties.length > 0) request.log.warn({ shopId: job.shopId, properties: result.ignoredProperties }, 'upload carried properties the catalog does not know; they were not stored');
    return reply.code(endpoint === 'upload' ? 201 : 200).send(result);
  };

  for (const prefix of ['/collector', '/collector/v1']) {
    const v1 = prefix.endsWith('/v1');
    app.post(`${prefix}/upload/:jobId`, {
      schema: {
        tags, operationId: v1 ? 'uploadV1' : 'upload', summary: 'Upload NDJSON shop data (ps_eventbus)', security, description: UPLOAD_DESCRIPTION,
        consumes: ['multipart/form-data'],
        params: Type.Object({ jobId: JobIdParam }),
        body: MultipartFile,
        response: { 201: Type.Ref(UploadResultView), 400: Type.Ref(ApiErrorBody), ...authErrors, 413: Type.Ref(ApiErrorBody), 415: Type.Ref(ApiErrorBody) },
      },
    }, collector('upload'));
    app.post(`${prefix}/delete/:jobId`, {
      schema: {
        tags, operationId: v1 ? 'deleteV3V1' : 'deleteV3', summary: 'Delete objects (ps_eventbus v3 legacy)', security,
        description: 'ps_eventbus ≤ 3.2 sent deletes here as multipart NDJSON lines `{collection, deleteIds: [...]}` and expected 200. Each id is matched like a v4 delete line; errors as for the upload.',
        consumes: ['multipart/form-data'],
        params: Type.Object({ jobId: JobIdParam }),
        body: MultipartFile,
        response: { 200: Type.Ref(UploadResultView), 400: Type.Ref(ApiErrorBody), ...authErrors, 413: Type.Ref(ApiErrorBody), 415: Type.Ref(ApiErrorBody) },
      },
    }, collector('delete'));
  }
}
