import type { Kysely } from 'kysely';
import type { Config } from '../platform/config/config.js';
import type { MasterSecret } from '../platform/crypto/master-secret.js';
import type { Database } from '../platform/db/schema.js';
import { ClientSecretHasher } from './services/client-secrets.js';
import { ClientService } from './services/clients.js';
import { ExternalShopTokens } from './services/external-shop-tokens.js';
import { KeyStore } from './services/signing-keys.js';
import { TokenState } from './services/token-state.js';
import { AccessTokenVerifier } from './services/verify-access-token.js';
import { ClientsRepository } from './storage/clients-repository.js';
import { KeysRepository } from './storage/keys-repository.js';
import { RevocationsRepository } from './storage/revocations-repository.js';

/** The auth context's services, wired once; the HTTP routes and the CLI both use this. */
export interface AuthModule {
  config: Config;
  clientsRepository: ClientsRepository;
  revocations: RevocationsRepository;
  hasher: ClientSecretHasher;
  keys: KeyStore;
  state: TokenState;
  verifier: AccessTokenVerifier;
  clients: ClientService;
  /** Drops what can no longer matter: revocations of expired tokens, keys whose last token has expired. */
  housekeeping(now?: number): Promise<{ revocations: number; keys: number }>;
}

export function createAuthModule(db: Kysely<Database>, config: Config, master: MasterSecret): AuthModule {
  const clientsRepository = new ClientsRepository(db);
  const revocations = new RevocationsRepository(db);
  const hasher = new ClientSecretHasher(master.deriveKey('client-secret-pepper'));
  const keysRepository = new KeysRepository(db);
  const keys = new KeyStore(keysRepository, {
    sealKey: master.deriveKey('signing-key-seal'),
    defaultAlg: config.auth.signingAlg,
    longestTokenLifetimeMs: async () => {
      const longest = Math.max(config.auth.accessTokenTtlSeconds, (await clientsRepository.maxAccessTokenTtl()) ?? 0);
      return (longest + config.auth.clockLeewaySeconds) * 1000;
    },
  });
  const state = new TokenState(clientsRepository, revocations, config.auth.stateCacheMs);
  const external = new ExternalShopTokens(config.auth.externalShopIssuers, config.auth.clockLeewaySeconds);
  const verifier = new AccessTokenVerifier(keys, state, { issuer: config.publicUrl, clockLeewaySeconds: config.auth.clockLeewaySeconds, external });
  const clients = new ClientService(clientsRepository, hasher, state, {
    apiAudience: config.apiAudience,
    secretRotationGraceSeconds: config.auth.secretRotationGraceSeconds,
  });
  async function housekeeping(now = Date.now()) {
    return { revocations: await revocations.purgeExpired(now), keys: await keysRepository.deleteUnpublished(now) };
  }
  return { config, clientsRepository, revocations, hasher, keys, state, verifier, clients, housekeeping };
}
