import type { RevocationsRepository } from '../storage/revocations-repository.js';

/**
 * Every unexpired revoked token id, held in memory and brought up to date from the database at most every
 * `ttlMs`. Revocations are rare and short-lived (a token lives an hour), so the whole list is small, and
 * checking a token costs a Set lookup instead of a query per first-seen token.
 * Each sync reads rows newer than the last one seen, minus a margin for clock skew between processes and
 * transactions that commit late.
 */
export class RevocationList {
  private static readonly SKEW_MARGIN_MS = 60_000;
  private readonly revoked = new Map<string, number>();
  private cursor = 0;
  private syncedAt = -Infinity;
  private syncing: Promise<void> | undefined;

  constructor(
    private readonly repository: RevocationsRepository,
    private readonly ttlMs: number,
  ) {}

  async isRevoked(jti: string): Promise<boolean> {
    const now = Date.now();
    if (now - this.syncedAt >= this.ttlMs) await this.sync();
    const expiresAt = this.revoked.get(jti);
    return expiresAt !== undefined && expiresAt > now;
  }

  async revoke(jti: string, clientId: string, expiresAt: number): Promise<void> {
    await this.repository.revoke(jti, clientId, expiresAt, Date.now());
    this.revoked.set(jti, expiresAt);
  }

  private sync(): Promise<void> {
    this.syncing ??= this.load().finally(() => {
      this.syncing = undefined;
    });
    return this.syncing;
  }

  private async load(): Promise<void> {
    const now = Date.now();
    const rows = await this.repository.listSince(this.cursor - RevocationList.SKEW_MARGIN_MS, now);
    for (const row of rows) {
      this.revoked.set(row.jti, row.expiresAt);
      this.cursor = Math.max(this.cursor, row.revokedAt);
    }
    for (const [jti, expiresAt] of this.revoked) if (expiresAt <= now) this.revoked.delete(jti);
    this.syncedAt = now;
  }
}
