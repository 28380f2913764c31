import { randomBytes } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';

/** The three base URLs of ps_eventbus' config.php. */
export interface CloudSyncUrls {
  /** ps_eventbus.proxy_api_url */
  collector: string;
  /** ps_eventbus.sync_api_url */
  syncApi: string;
  /** ps_eventbus.live_sync_api_url */
  liveSync: string;
}

/** What the module's HttpClient keeps of an exchange: the status (0 when curl failed) and the raw body. */
export interface HttpOutcome {
  httpCode: number;
  body: string | false;
}

/** curl sends `Expect: 100-continue` above this body size and waits up to a second for the interim answer. */
const EXPECT_CONTINUE_BYTES = 1_048_576;
const EXPECT_CONTINUE_WAIT_MS = 1_000;
/** CloudSyncClient's timeout for the job check and live sync (3 s in total). */
const SHORT_TIMEOUT_MS = 3_000;

/**
 * The module's calls to CloudSync (src/Api/CloudSyncClient.php): the job check, the multipart NDJSON
 * upload and the live-sync notification, with its headers and timeouts, over keep-alive connections.
 */
export class CloudSyncClient {
  private readonly httpAgent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  private readonly httpsAgent = new https.Agent({ keepAlive: true, maxSockets: 64 });

  constructor(
    readonly urls: CloudSyncUrls,
    private readonly userAgent: string,
    private readonly uploadTimeoutMs: number,
  ) {}

  /** GET {sync_api_url}/job/{jobId}: only 201 validates the job. */
  validateJob(jobId: string, token: string): Promise<HttpOutcome> {
    return this.send('GET', `${this.urls.syncApi}/job/${jobId}`, this.headers(token), undefined, SHORT_TIMEOUT_MS);
  }

  /** POST {proxy_api_url}/upload/{jobId}: one multipart part `file` holding the NDJSON batch. */
  async upload(jobId: string, ndjson: Buffer, fullSync: boolean, token: string): Promise<HttpOutcome & { url: string; bytes: number }> {
    const url = `${this.urls.collector}/upload/${jobId}`;
    const { parts, contentType } = multipartFile(ndjson);
    const bytes = parts.reduce((sum, part) => sum + part.length, 0);
    const headers = { ...this.headers(token), 'Full-Sync-Requested': fullSync ? '1' : '0', 'Content-Type': contentType, 'Content-Length': String(bytes) };
    const outcome = await this.send('POST', url, headers, parts, this.uploadTimeoutMs);
    return { ...outcome, url, bytes };
  }

  /** POST {live_sync_api_url}/notify/{shopUuid} with one kebab-case content; the module ignores the answer. */
  notify(shopId: string, content: string, action: string, token: string): Promise<HttpOutcome> {
    const body = Buffer.from(JSON.stringify({ shopContents: [content.replaceAll('_', '-')], action }));
    const headers = { ...this.headers(token), 'Content-Type': 'application/json', 'Content-Length': String(body.length) };
    return this.send('POST', `${this.urls.liveSync}/notify/${shopId}`, headers, [body], SHORT_TIMEOUT_MS);
  }

  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }

  private headers(token: string): Record<string, string> {
    return { Accept: 'application/json', Authorization: `Bearer ${token}`, 'User-Agent': this.userAgent };
  }

  /** The body goes as the given chunks (no copy into one buffer). */
  private send(method: string, target: string, headers: Record<string, string>, body: readonly Buffer[] | undefined, timeoutMs: number): Promise<HttpOutcome> {
    const failed: HttpOutcome = { httpCode: 0, body: false };
    // The module concatenates ids into URLs unescaped; curl refuses a URL with blanks or control characters.
    if (/[\s\x00-\x1f\x7f]/.test(target)) return Promise.resolve(failed);
    let url: URL;
    try {
      url = new URL(target);
    } catch {
      return Promise.resolve(failed);
    }
    const secure = url.protocol === 'https:';
    const expectContinue = body !== undefined && Number(headers['Content-Length']) > EXPECT_CONTINUE_BYTES;
    return new Promise((resolve) => {
      let settled = false;
      const settle = (outcome: HttpOutcome) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(outcome);
      };
      const request = (secure ? https : http).request(url, {
        method,
        headers: expectContinue ? { ...headers, Expect: '100-continue' } : headers,
        agent: secure ? this.httpsAgent : this.httpAgent,
      });
      const timer = setTimeout(() => {
        request.destroy(new Error('timeout'));
        settle(failed);
      }, timeoutMs);
      request.on('error', () => settle(failed));
      request.on('response', (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => settle({ httpCode: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        response.on('error', () => settle(failed));
      });
      const writeBody = () => {
        for (const chunk of body ?? []) request.write(chunk);
        request.end();
      };
      if (!expectContinue) writeBody();
      else {
        let sent = false;
        const sendBody = () => {
          if (sent || request.destroyed) return;
          sent = true;
          writeBody();
        };
        request.once('continue', sendBody);
        setTimeout(sendBody, EXPECT_CONTINUE_WAIT_MS).unref();
      }
    });
  }
}

/** The body PHP's curl builds for the module's CURLFile: field `file`, filename `file`, text/plain. */
export function multipartFile(content: Buffer): { parts: Buffer[]; contentType: string } {
  const boundary = `------------------------${randomBytes(8).toString('hex')}`;
  const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="file"\r\nContent-Type: text/plain\r\n\r\n`);
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  return { parts: [head, content, tail], contentType: `multipart/form-data; boundary=${boundary}` };
}
