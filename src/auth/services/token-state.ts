import type { Client } from '../model.js';
import type { ClientsRepository, SecretRow } from '../storage/clients-repository.js';
import type { RevocationsRepository } from '../storage/revocations-repository.js';
import { RevocationList } from './revocation-list.js';

interface Cached<T> {
  value: T;
  until: number;
}

/**
 * What a valid signature cannot tell: whether the client still exists and is enabled, and whether the
 * token was revoked; and the client's secret hashes for the token endpoint. Answers are cached for `ttlMs`
 * so verification stays cheap: a change made by this process is seen at once, a change made by another
 * process within `ttlMs`.
 */
export class TokenState {
  private readonly credentials = new Map<string, Cached<{ client: Client; secrets: SecretRow[] } | undefined>>();
  private readonly revocations: RevocationList;

  constructor(
    private readonly clientsRepository: ClientsRepository,
    revocationsRepository: RevocationsRepository,
    private readonly ttlMs: number,
    private readonly maxEntries = 50_000,
  ) {
    this.revocations = new RevocationList(revocationsRepository, ttlMs);
  }

  /** One cache serves both the token endpoint and verification: a client is read once per `ttlMs`. */
  async activeClient(clientId: string): Promise<Client | undefined> {
    const client = (await this.clientCredentials(clientId))?.client;
    return client?.status === 'active' ? client : undefined;
  }

  /**
   * The client and its secret hashes for authentication at the token endpoint. Unknown ids are cached
   * too, so a flood of made-up ids cannot turn into a flood of queries.
   */
  async clientCredentials(clientId: string): Promise<{ client: Client; secrets: SecretRow[] } | undefined> {
    const now = Date.now();
    const found = await this.cached(this.credentials, clientId, () => this.clientsRepository.findWithSecrets(clientId, now));
    if (!found) return undefined;
    // A secret past its grace period stops working on time, even from the cache.
    return { client: found.client, secrets: found.secrets.filter((s) => s.expiresAt === null || s.expiresAt > now) };
  }

  isRevoked(jti: string): Promise<boolean> {
    return this.revocations.isRevoked(jti);
  }

  revoke(jti: string, clientId: string, expiresAt: number): Promise<void> {
    return this.revocations.revoke(jti, clientId, expiresAt);
  }

  forgetClient(clientId: string): void {
    this.credentials.delete(clientId);
  }

  private async cached<T>(map: Map<string, Cached<T>>, key: string, load: () => Promise<T>): Promise<T> {
    const now = Date.now();
    const hit = map.get(key);
    if (hit && hit.until > now) return hit.value;
    const value = await load();
    if (map.size >= this.maxEntries) map.clear(); // bounded memory beats a perfect hit rate here
    if (this.ttlMs > 0) map.set(key, { value, until: now + this.ttlMs });
    return value;
  }
}
