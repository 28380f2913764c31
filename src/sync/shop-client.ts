import { errorCodeInfo } from './error-codes.js';

/** The reply of one successful apiShopContent call (cloudsync-protocol §3.1). */
export interface PageReply {
  ok: true;
  status: number;
  durationMs: number;
  syncType: string | undefined;
  totalObjects: number;
  hasRemainingObjects: boolean;
  remainingObjects: number | null;
  /** Whether the shop uploaded something (the call had objects to send). */
  uploaded: boolean;
}

/** A failed call, classified (error-codes.ts). */
export interface CallFailure {
  ok: false;
  code: string;
  message: string;
  httpStatus: number | null;
  durationMs: number;
}

export interface PullRequest {
  shopUrl: string;
  content: string;
  jobId: string;
  limit: number;
  full: boolean;
  /** '' lets the shop use its default language. */
  langIso: string;
}

export interface HealthReply {
  healthy: boolean;
  httpStatus: number | null;
  latencyMs: number;
  code: string | null;
  message: string | null;
  report: Record<string, unknown> | null;
}

const SHOP_CONTROLLER = 'index.php?fc=module&module=ps_eventbus&controller=';
const MAX_REPLY_BYTES = 1024 * 1024;

/** Calls ps_eventbus' front controllers and turns every outcome into a page or a classified failure. */
export class ShopClient {
  constructor(
    private readonly timeoutMs: number,
    private readonly userAgent: string,
  ) {}

  static shopContentUrl(request: PullRequest): string {
    const params = new URLSearchParams({ shop_content: request.content, job_id: request.jobId, limit: String(request.limit), full: request.full ? '1' : '0' });
    if (request.langIso) params.set('lang_iso', request.langIso);
    return `${request.shopUrl}/${SHOP_CONTROLLER}apiShopContent&${params.toString()}`;
  }

  async pull(request: PullRequest): Promise<PageReply | CallFailure> {
    const started = performance.now();
    const call = await this.get(ShopClient.shopContentUrl(request));
    const durationMs = Math.round(performance.now() - started);
    if ('code' in call) return { ok: false, ...call, durationMs };
    return classifyPage(call.status, call.text, durationMs);
  }

  async health(shopUrl: string, jobId: string | undefined): Promise<HealthReply> {
    const started = performance.now();
    const url = `${shopUrl}/${SHOP_CONTROLLER}apiHealthCheck${jobId ? `&job_id=${encodeURIComponent(jobId)}` : ''}`;
    const call = await this.get(url);
    const latencyMs = Math.round(performance.now() - started);
    if ('code' in call) return { healthy: false, httpStatus: call.httpStatus, latencyMs, code: call.code, message: call.message, report: null };
    const body = parseObject(call.text);
    if (!body) return { healthy: false, httpStatus: call.status, latencyMs, code: call.status >= 400 ? String(call.status) : 'invalid_json', message: `apiHealthCheck answered HTTP ${call.status} without a JSON object`, report: null };
    const healthy = call.status === 200 && body.ps_eventbus === true && body.ps_account === true;
    const problem = healthy ? null : call.status !== 200 ? `HTTP ${call.status}` : body.ps_account !== true ? 'the shop has no PrestaShop Accounts token (ps_account: false)' : "ps_eventbus' tables are missing (ps_eventbus: false)";
    return { healthy, httpStatus: call.status, latencyMs, code: healthy ? null : call.status !== 200 ? String(call.status) : 'unhealthy', message: problem, report: body };
  }

  private async get(url: string): Promise<{ status: number; text: string } | { code: string; message: string; httpStatus: number | null }> {
    try {
      const response = await fetch(url, { headers: { accept: 'application/json', 'user-agent': this.userAgent }, signal: AbortSignal.timeout(this.timeoutMs) });
      const text = await readLimited(response);
      return { status: response.status, text };
    } catch (error) {
      return { ...networkFailure(error, this.timeoutMs), httpStatus: null };
    }
  }
}

export function classifyPage(status: number, text: string, durationMs: number): PageReply | CallFailure {
  const fail = (code: string, message: string): CallFailure => ({ ok: false, code, message, httpStatus: status, durationMs });
  const body = parseObject(text);
  if (!body) {
    if (status >= 400) return fail(String(status), `${errorCodeInfo(String(status)).description} ${snippet(text)}`.trim());
    return fail('invalid_json', `HTTP ${status}, not JSON: ${snippet(text)}`);
  }
  // The shop tried to upload: its reply carries the collector's status (only 201 means stored, §3.4).
  if (typeof body.upload_url === 'string' || (typeof body.object_type === 'string' && body.status === false)) {
    const collectorStatus = typeof body.httpCode === 'number' ? body.httpCode : status;
    if (collectorStatus !== 201 || body.status === false) {
      const detail = typeof body.body === 'string' && body.body ? `: ${snippet(body.body)}` : body.body === false ? ': the upload failed before any answer' : '';
      return fail(`collector_${collectorStatus}`, `the shop's upload to psif answered HTTP ${collectorStatus}${detail}`);
    }
  }
  if (body.object_type === false && body.status === false) {
    const code = String(typeof body.httpCode === 'number' ? body.httpCode : status);
    return fail(code, typeof body.message === 'string' ? `${body.message} (${errorCodeInfo(code).description})` : errorCodeInfo(code).description);
  }
  if (status >= 400) return fail(String(status), `${errorCodeInfo(String(status)).description} ${snippet(text)}`.trim());
  if (typeof body.has_remaining_objects !== 'boolean') return fail('invalid_reply', `HTTP ${status}, no has_remaining_objects: ${snippet(text)}`);
  return {
    ok: true,
    status,
    durationMs,
    syncType: typeof body.syncType === 'string' ? body.syncType : undefined,
    totalObjects: typeof body.total_objects === 'number' ? body.total_objects : 0,
    hasRemainingObjects: body.has_remaining_objects,
    remainingObjects: typeof body.remaining_objects === 'number' ? body.remaining_objects : null,
    uploaded: typeof body.upload_url === 'string',
  };
}

/** Maps fetch's errors (undici causes) to the codes of error-codes.ts. */
export function networkFailure(error: unknown, timeoutMs: number): { code: string; message: string } {
  const e = error as { name?: string; message?: string; cause?: { code?: string; message?: string; name?: string } };
  if (e.name === 'TimeoutError' || e.cause?.name === 'TimeoutError' || e.cause?.code === 'UND_ERR_HEADERS_TIMEOUT' || e.cause?.code === 'UND_ERR_BODY_TIMEOUT') {
    return { code: 'timeout', message: `no complete answer within ${timeoutMs} ms` };
  }
  const cause = e.cause?.code ?? '';
  const message = e.cause?.message ?? e.message ?? String(error);
  if (cause === 'ECONNREFUSED') return { code: 'connection_refused', message };
  if (cause === 'ENOTFOUND' || cause === 'EAI_AGAIN' || cause === 'EAI_NONAME') return { code: 'dns_error', message };
  if (cause === 'ECONNRESET' || cause === 'EPIPE' || cause === 'UND_ERR_SOCKET' || cause === 'UND_ERR_CLOSED') return { code: 'connection_reset', message };
  if (/CERT|TLS|SSL/i.test(cause) || /certificate|TLS|SSL/i.test(message)) return { code: 'tls_error', message };
  if (e.name === 'ReplyTooLarge') return { code: 'invalid_reply', message: e.message ?? 'reply too large' };
  return { code: 'network_error', message: cause ? `${cause}: ${message}` : message };
}

/** apiShopContent replies are small; a shop answering megabytes is not ps_eventbus, so stop reading. */
async function readLimited(response: Response): Promise<string> {
  if (!response.body) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of response.body) {
    size += chunk.byteLength;
    if (size > MAX_REPLY_BYTES) {
      const error = new Error(`the shop's reply exceeded ${MAX_REPLY_BYTES} bytes`);
      error.name = 'ReplyTooLarge';
      throw error;
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function snippet(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 200 ? `${flat.slice(0, 200)}…` : flat;
}
