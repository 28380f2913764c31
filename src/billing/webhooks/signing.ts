import { createHmac, randomBytes } from 'node:crypto';

/** Standard Webhooks secrets: the prefix tells receivers' libraries to base64-decode what follows. */
const SECRET_PREFIX = 'whsec_';

export function newWebhookSecret(): string {
  return SECRET_PREFIX + randomBytes(32).toString('base64');
}

/**
 * The `webhook-signature` header value (Standard Webhooks v1): HMAC-SHA256 over `{id}.{timestamp}.{body}`
 * keyed with the decoded secret. The body must be the exact bytes sent.
 */
export function sign(secret: string, msgId: string, timestampSeconds: number, body: string): string {
  const key = Buffer.from(secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret, 'base64');
  return `v1,${createHmac('sha256', key).update(`${msgId}.${timestampSeconds}.${body}`).digest('base64')}`;
}
