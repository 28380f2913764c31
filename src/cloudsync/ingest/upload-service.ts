import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Catalog } from '../../catalog/catalog.js';
import type { CloudSyncConfig } from '../../platform/config/config.js';
import { ApiError } from '../../platform/http/api-error.js';
import { type Db, placeholders } from '../../platform/db/database.js';
import type { Job, UploadResult } from '../model.js';
import type { ContentWriter } from '../storage/content-writer.js';
import { inWriteTransaction } from '../storage/write-session.js';
import type { UploadRecord, UploadsRepository } from '../storage/uploads-repository.js';
import { type LineError, LineParser, type Op } from './line-parser.js';
import { LineSplitter } from './line-splitter.js';
import { readMultipartFile } from './read-multipart-file.js';
import { UploadSpool } from './spool.js';

export type Endpoint = 'upload' | 'delete';

export interface UploadRequest {
  job: Job;
  endpoint: Endpoint;
  raw: IncomingMessage;
  /** Sends the interim 100 Continue a client waits for after `Expect: 100-continue`. */
  writeContinue(): void;
}

/** How many bad lines a 400 lists; the total is always given. */
export const MAX_REPORTED_LINES = 100;

/** Thrown inside the write transaction to roll it back when a line is bad. */
class InvalidBatch extends Error {
  constructor(
    readonly errors: LineError[],
    readonly badLines: number,
    readonly lines: number,
  ) {
    super('invalid batch');
  }
}

/**
 * The collector: receives a multipart NDJSON upload as a stream into a spool (memory, then disk), then in
 * one transaction parses each line once, validates it against the catalog and writes it. One bad line rolls
 * everything back and the answer lists the bad lines. Every outcome it can attribute to a shop is logged in
 * `uploads` for the Reporting API.
 */
export class UploadService {
  constructor(
    private readonly db: Db,
    private readonly catalog: Catalog,
    private readonly writer: ContentWriter,
    private readonly uploads: UploadsRepository,
    private readonly config: CloudSyncConfig,
    private readonly spoolDirectory: string,
  ) {}

  async receive(request: UploadRequest): Promise<UploadResult> {
    const started = Date.now();
    const { job, endpoint, raw } = request;
    const record = baseRecord(job, endpoint, raw, started);
    const spool = new UploadSpool(this.config.uploadMemoryBytes, this.spoolDirectory);
    try {
      checkContentType(raw);
      const declared = Number(raw.headers['content-length']);
      if (Number.isFinite(declared) && declared > this.config.uploadMaxBytes) {
        throw new ApiError(413, 'payload_too_large', `upload is larger than ${this.config.uploadMaxBytes} bytes (PSIF_UPLOAD_MAX_BYTES)`, undefined, { connection: 'close' });
      }
      // Expect: 100-continue was held back until the token, the job and the headers were checked.
      if (/100-continue/i.test(String(raw.headers.expect ?? ''))) request.writeContinue();
      const { bytes } = await readMultipartFile(raw, this.config.uploadMaxBytes, (data) => spool.write(data));
      record.bytes = bytes;
      if (bytes === 0) throw ApiError.badRequest('empty_upload', 'the "file" part is empty');
      return await retryOnConflict(() => this.store(job, endpoint, spool, record, started));
    } catch (error) {
      const apiError = error instanceof InvalidBatch ? invalidLines(error) : error instanceof ApiError ? error : undefined;
      if (error instanceof InvalidBatch) record.bad_lines = JSON.stringify(error.errors);
      Object.assign(record, {
        status: 'rejected',
        http_status: apiError?.statusCode ?? 500,
        error_code: apiError?.code ?? 'internal_error',
        error_message: apiError?.message ?? 'internal error',
        upserted: 0,
        deleted: 0,
        duration_ms: Date.now() - started,
      });
      await this.uploads.insert(record).catch(() => undefined);
      throw apiError ?? error;
    } finally {
      spool.discard();
    }
  }

  private store(job: Job, endpoint: Endpoint, spool: UploadSpool, record: UploadRecord, started: number): Promise<UploadResult> {
    const parser = new LineParser(this.catalog, { shopId: job.shopId, allowed: new Set(job.contents), langIso: job.langIso });
    const format = endpoint === 'delete' ? 'v3-delete' : 'upload';
    return inWriteTransaction(this.db, async (session) => {
      const batch = this.writer.batch(session, { shopId: job.shopId, jobId: job.jobId });
      const now = batch.now;
      const errors: LineError[] = [];
      const collections = new Set<string>();
      let badLines = 0;
      let skipped = 0;
      let accepted = 0;
      let ready: Op[] = [];
      const splitter = new LineSplitter(this.config.uploadMaxLineBytes, {
        line: (text, line) => {
          const parsed = parser.parse(text, line, format);
          if (parsed.kind === 'blank') skipped++;
          else if (parsed.kind === 'error') {
            if (errors.length < MAX_REPORTED_LINES) errors.push(parsed.error);
            badLines++;
          } else {
            accepted++;
            collections.add(parsed.ops[0]!.content.collection);
            // After a bad line nothing will be kept: the rest is only checked, not written.
            if (badLines === 0) for (const op of parsed.ops) ready.push(op);
          }
        },
        reject: (line, code, message) => {
          if (errors.length < MAX_REPORTED_LINES) errors.push({ line, code, message });
          badLines++;
        },
      });
      const write = async () => {
        const ops = ready;
        ready = [];
        if (badLines > 0) return;
        for (const op of ops) {
          const pending = batch.add(op);
          if (pending) await pending;
        }
      };
      for await (const chunk of spool.read()) {
        splitter.push(chunk);
        await write();
      }
      splitter.end();
      await write();
      record.lines = splitter.lines;
      record.skipped = skipped;
      record.collections = JSON.stringify([...collections]);
      if (badLines > 0) throw new InvalidBatch(errors, badLines, splitter.lines);
      const { upserted, deleted } = await batch.finish();
      Object.assign(record, { status: 'stored', http_status: endpoint === 'delete' ? 200 : 201, upserted, deleted, duration_ms: Date.now() - started });
      await this.writer.insert(session, 'uploads', record as unknown as Record<string, unknown>);
      const p = placeholders(this.writer.backend);
      await session.query(`UPDATE "sync_jobs" SET "last_upload_at" = ${p()} WHERE "job_id" = ${p()}`, [now, job.jobId]);
      return { accepted, upserted, deleted, skipped, ignoredProperties: [...parser.ignoredProperties].sort() };
    });
  }
}

function invalidLines(error: InvalidBatch): ApiError {
  return ApiError.badRequest('invalid_lines', `${error.badLines} of ${error.lines} lines are invalid; nothing was stored`, { invalidLines: error.badLines, lines: error.errors });
}

/** Logs a refusal that happened before the upload could be read (unknown job, another shop's job...). */
export async function recordRefusal(uploads: UploadsRepository, input: { shopId: string; jobId: string; endpoint: Endpoint; raw: IncomingMessage; error: ApiError }): Promise<void> {
  const now = Date.now();
  await uploads.insert({
    ...baseRecord({ jobId: input.jobId.slice(0, 200), shopId: input.shopId }, input.endpoint, input.raw, now),
    http_status: input.error.statusCode,
    error_code: input.error.code,
    error_message: input.error.message,
  });
}

/**
 * PostgreSQL aborts one of two transactions that wait on each other's rows (40P01) or conflict under
 * serialization (40001); the batch is whole and idempotent, so it is simply run again.
 */
async function retryOnConflict<T>(run: () => Promise<T>, attempts = 4): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (attempt >= attempts || (code !== '40P01' && code !== '40001')) throw error;
      await new Promise((resolve) => setTimeout(resolve, 20 * attempt + Math.random() * 30));
    }
  }
}

function checkContentType(raw: IncomingMessage): void {
  const type = raw.headers['content-type'] ?? '';
  if (!/^multipart\/form-data\s*(;|$)/i.test(type)) {
    throw new ApiError(415, 'unsupported_media_type', `uploads are multipart/form-data with one "file" part, not ${type ? `"${type.split(';')[0]}"` : 'a body without Content-Type'}`, undefined, { connection: 'close' });
  }
  if (!/;\s*boundary=/i.test(type)) throw new ApiError(400, 'malformed_multipart', 'multipart/form-data needs a boundary parameter', undefined, { connection: 'close' });
}

function baseRecord(job: Pick<Job, 'jobId' | 'shopId'>, endpoint: Endpoint, raw: IncomingMessage, receivedAt: number): UploadRecord {
  const fullSync = raw.headers['full-sync-requested'];
  const userAgent = raw.headers['user-agent'];
  return {
    upload_id: randomUUID(),
    shop_id: job.shopId,
    job_id: job.jobId,
    endpoint,
    received_at: receivedAt,
    duration_ms: 0,
    status: 'rejected',
    http_status: 0,
    error_code: null,
    error_message: null,
    bytes: 0,
    lines: 0,
    upserted: 0,
    deleted: 0,
    skipped: 0,
    collections: '[]',
    full_sync_requested: fullSync === '1' ? 1 : fullSync === '0' ? 0 : null,
    user_agent: typeof userAgent === 'string' ? userAgent.slice(0, 256) : null,
    bad_lines: null,
  };
}
