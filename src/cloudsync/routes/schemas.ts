import { Type } from '@sinclair/typebox';
import { LINE_ERRORS } from '../ingest/line-parser.js';
import type { Job } from '../model.js';

export const JobIdParam = Type.String({ minLength: 1, maxLength: 200, pattern: '^[A-Za-z0-9._:-]+$', description: 'A job id issued by psif' });

export const JobView = Type.Object(
  {
    jobId: Type.String(),
    shopId: Type.String(),
    contents: Type.Array(Type.String(), { description: 'snake_case shop contents the job may upload' }),
    mode: Type.Union([Type.Literal('full'), Type.Literal('incremental')]),
    langIso: Type.Union([Type.String(), Type.Null()]),
    createdAt: Type.String({ format: 'date-time' }),
    expiresAt: Type.String({ format: 'date-time' }),
    validatedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    lastUploadAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  },
  { $id: 'Job' },
);

export const UploadResultView = Type.Object(
  {
    accepted: Type.Integer({ description: 'Non-blank lines (all valid)' }),
    upserted: Type.Integer({ description: 'Upsert lines applied' }),
    deleted: Type.Integer({ description: 'Rows soft-deleted (one delete can match several languages or combinations)' }),
    skipped: Type.Integer({ description: 'Blank lines (ps_eventbus writes one when json_encode fails)' }),
    ignoredProperties: Type.Array(Type.String(), { description: 'collection.property names the catalog does not know; not stored' }),
  },
  { $id: 'UploadResult' },
);

export const CLOUDSYNC_SCHEMAS = [JobView, UploadResultView];

/** The 400 `invalid_lines` body lists bad lines with one of these codes. */
export const LINE_ERROR_TABLE = Object.entries(LINE_ERRORS).map(([code, meaning]) => `| \`${code}\` | ${meaning} |`).join('\n');

export function jobView(job: Job) {
  return {
    jobId: job.jobId,
    shopId: job.shopId,
    contents: job.contents,
    mode: job.mode,
    langIso: job.langIso,
    createdAt: job.createdAt.toISOString(),
    expiresAt: job.expiresAt.toISOString(),
    validatedAt: job.validatedAt?.toISOString() ?? null,
    lastUploadAt: job.lastUploadAt?.toISOString() ?? null,
  };
}
