import { randomUUID } from 'node:crypto';
import { ApiError } from '../../platform/http/api-error.js';
import { AUTH_METHODS, type AuthMethod, CLIENT_KINDS, type Client, type ClientKind, GRANT_TYPES } from '../model.js';
import type { ClientsRepository } from '../storage/clients-repository.js';
import { ClientSecretHasher } from './client-secrets.js';
import type { TokenState } from './token-state.js';

export interface CreateClientInput {
  kind: ClientKind;
  name?: string | undefined;
  shopId?: string | undefined;
  scopes?: string[] | undefined;
  audiences?: string[] | undefined;
  tokenEndpointAuthMethod?: AuthMethod | undefined;
  grantTypes?: string[] | undefined;
  accessTokenTtl?: number | null | undefined;
}

/** Lists replace the current ones; identity (kind, name, shop) never changes. */
export type UpdateClientInput = Pick<CreateClientInput, 'scopes' | 'audiences' | 'tokenEndpointAuthMethod' | 'grantTypes' | 'accessTokenTtl'>;

export interface ClientWithSecret {
  client: Client;
  clientSecret: string;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const SCOPE = /^[\x21\x23-\x5B\x5D-\x7E]{1,128}$/; // RFC 6749 §3.3 scope-token characters

/** Registration and life cycle of OAuth clients; shared by the admin API and the CLI. */
export class ClientService {
  constructor(
    private readonly repository: ClientsRepository,
    private readonly hasher: ClientSecretHasher,
    private readonly state: TokenState,
    private readonly options: { apiAudience: string; secretRotationGraceSeconds: number },
  ) {}

  async create(input: CreateClientInput): Promise<ClientWithSecret> {
    const now = new Date();
    const identity = this.identity(input);
    const client: Client = {
      clientId: randomUUID(),
      kind: input.kind,
      name: identity.name,
      shopId: identity.shopId,
      tokenEndpointAuthMethod: input.tokenEndpointAuthMethod ?? (input.kind === 'shop' ? 'client_secret_post' : 'client_secret_basic'),
      grantTypes: validateGrantTypes(input.grantTypes ?? ['client_credentials']),
      scopes: validateScopes(input.scopes ?? (input.kind === 'shop' ? ['shop.verified'] : [])),
      audiences: unique([...identity.defaultAudiences, ...validateAudiences(input.audiences ?? [])]),
      accessTokenTtl: validateTtl(input.accessTokenTtl ?? null),
      status: 'active',
      createdAt: now,
      updatedAt: now,
      disabledAt: null,
    };
    validateAuthMethod(client.tokenEndpointAuthMethod);
    const clientSecret = ClientSecretHasher.generate();
    try {
      await this.repository.insert(client, this.hasher.hash(clientSecret), randomUUID());
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw ApiError.conflict('client_exists', `a ${client.kind} client named "${client.name}" already exists`);
      }
      throw error;
    }
    return { client, clientSecret };
  }

  async get(clientId: string): Promise<Client> {
    const client = await this.repository.find(clientId);
    if (!client) throw ApiError.notFound('client_not_found', `no client with id "${clientId}"`);
    return client;
  }

  /** Vendors are known by their unique name (the `tech-vendor/<name>` audience). */
  async findVendor(name: string): Promise<Client> {
    const client = await this.repository.findByName('vendor', name);
    if (!client) throw ApiError.notFound('vendor_not_found', `no vendor client named "${name}"`);
    return client;
  }

  list(filter: { kind?: ClientKind; status?: 'active' | 'disabled'; limit?: number; offset?: number }) {
    return this.repository.list({ ...filter, limit: filter.limit ?? 100, offset: filter.offset ?? 0 });
  }

  async update(clientId: string, input: UpdateClientInput): Promise<Client> {
    const client = await this.get(clientId);
    const updated: Client = {
      ...client,
      ...(input.scopes ? { scopes: validateScopes(input.scopes) } : {}),
      ...(input.audiences ? { audiences: unique(validateAudiences(input.audiences)) } : {}),
      ...(input.grantTypes ? { grantTypes: validateGrantTypes(input.grantTypes) } : {}),
      ...(input.tokenEndpointAuthMethod ? { tokenEndpointAuthMethod: validateAuthMethod(input.tokenEndpointAuthMethod) } : {}),
      ...(input.accessTokenTtl !== undefined ? { accessTokenTtl: validateTtl(input.accessTokenTtl) } : {}),
      updatedAt: new Date(),
    };
    await this.repository.update(updated);
    this.state.forgetClient(clientId);
    return updated;
  }

  /** A new secret; the previous one keeps working for the grace period so deployments can roll over. */
  async rotateSecret(clientId: string, graceSeconds = this.options.secretRotationGraceSeconds): Promise<ClientWithSecret & { previousSecretExpiresAt: Date }> {
    const client = await this.get(clientId);
    const clientSecret = ClientSecretHasher.generate();
    const now = Date.now();
    const graceEndsAt = now + graceSeconds * 1000;
    await this.repository.rotateSecret(clientId, this.hasher.hash(clientSecret), randomUUID(), now, graceEndsAt);
    this.state.forgetClient(clientId);
    return { client, clientSecret, previousSecretExpiresAt: new Date(graceEndsAt) };
  }

  async disable(clientId: string): Promise<Client> {
    return this.setStatus(clientId, 'disabled');
  }

  async enable(clientId: string): Promise<Client> {
    return this.setStatus(clientId, 'active');
  }

  async delete(clientId: string): Promise<void> {
    if (!(await this.repository.delete(clientId))) throw ApiError.notFound('client_not_found', `no client with id "${clientId}"`);
    this.state.forgetClient(clientId);
  }

  private async setStatus(clientId: string, status: Client['status']): Promise<Client> {
    const client = await this.get(clientId);
    const now = new Date();
    const updated: Client = { ...client, status, updatedAt: now, disabledAt: status === 'disabled' ? now : null };
    await this.repository.update(updated);
    this.state.forgetClient(clientId);
    return updated;
  }

  private identity(input: CreateClientInput): { name: string; shopId: string | null; defaultAudiences: string[] } {
    if (!CLIENT_KINDS.includes(input.kind)) {
      throw ApiError.badRequest('invalid_kind', `kind must be one of ${CLIENT_KINDS.join(', ')}`);
    }
    if (input.kind === 'shop') {
      const shopId = input.shopId?.toLowerCase();
      if (!shopId || !UUID.test(shopId)) throw ApiError.badRequest('invalid_shop_id', 'a shop client needs shopId, a UUID');
      return { name: shopId, shopId, defaultAudiences: [`store/${shopId}`, this.options.apiAudience] };
    }
    if (input.shopId !== undefined) throw ApiError.badRequest('invalid_shop_id', 'shopId is only for shop clients');
    if (!input.name || !NAME.test(input.name)) {
      throw ApiError.badRequest('invalid_name', 'name is required: 1 to 64 letters, digits, "_", "." or "-", starting with a letter or digit');
    }
    if (input.kind === 'vendor') return { name: input.name, shopId: null, defaultAudiences: [this.options.apiAudience, `tech-vendor/${input.name}`] };
    if (input.kind === 'admin') return { name: input.name, shopId: null, defaultAudiences: [this.options.apiAudience] };
    return { name: input.name, shopId: null, defaultAudiences: [] };
  }
}

function validateScopes(scopes: string[]): string[] {
  for (const scope of scopes) {
    if (!SCOPE.test(scope)) throw ApiError.badRequest('invalid_scope', `"${scope}" is not a valid scope (RFC 6749 §3.3 characters, no spaces)`);
  }
  return unique(scopes);
}

function validateAudiences(audiences: string[]): string[] {
  for (const audience of audiences) {
    if (audience.length === 0 || audience.length > 512 || /\s/.test(audience)) {
      throw ApiError.badRequest('invalid_audience', `"${audience}" is not a valid audience (1 to 512 characters, no spaces)`);
    }
  }
  return audiences;
}

function validateGrantTypes(grantTypes: string[]): string[] {
  for (const grant of grantTypes) {
    if (!(GRANT_TYPES as readonly string[]).includes(grant)) {
      throw ApiError.badRequest('invalid_grant_type', `grant type "${grant}" is not supported; supported: ${GRANT_TYPES.join(', ')}`);
    }
  }
  return unique(grantTypes);
}

function validateAuthMethod(method: string): AuthMethod {
  if (!(AUTH_METHODS as readonly string[]).includes(method)) {
    throw ApiError.badRequest('invalid_auth_method', `tokenEndpointAuthMethod must be one of ${AUTH_METHODS.join(', ')}`);
  }
  return method as AuthMethod;
}

function validateTtl(ttl: number | null): number | null {
  if (ttl !== null && (!Number.isInteger(ttl) || ttl < 1 || ttl > 86_400 * 30)) {
    throw ApiError.badRequest('invalid_ttl', 'accessTokenTtl must be an integer number of seconds between 1 and 2592000');
  }
  return ttl;
}

function unique<T>(values: T[]): T[] {
  return [...new Set(values)];
}

function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: string };
  return e.code === '23505' || e.code === 'SQLITE_CONSTRAINT_UNIQUE' || e.code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}
