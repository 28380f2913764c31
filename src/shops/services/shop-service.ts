import type { Kysely } from 'kysely';
import type { ClientService } from '../../auth/services/clients.js';
import type { Catalog } from '../../catalog/catalog.js';
import { ApiError } from '../../platform/http/api-error.js';
import type { Database } from '../../platform/db/schema.js';
import { LANGUAGE, SHOP_ID, type Shop } from '../model.js';
import type { ShopsRepository } from '../storage/shops-repository.js';

export interface ShopInput {
  url?: string | undefined;
  languages?: string[] | undefined;
}

/** Shop registration: by operators (with a psif `shop` client) or by the shop itself (its token). */
export class ShopService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly repository: ShopsRepository,
    private readonly clients: ClientService,
    private readonly catalog: Catalog,
  ) {}

  /** Registers a shop and creates its `shop` client; the secret is returned once. */
  async register(shopId: string, input: ShopInput & { url: string }): Promise<{ shop: Shop; clientId: string; clientSecret: string }> {
    const shop = await this.create(shopId, input, null);
    try {
      const { client, clientSecret } = await this.clients.create({ kind: 'shop', shopId: shop.shopId });
      const withClient = { ...shop, clientId: client.clientId };
      await this.repository.update(withClient);
      return { shop: withClient, clientId: client.clientId, clientSecret };
    } catch (error) {
      await this.repository.delete(shop.shopId);
      throw error;
    }
  }

  /** PUT by the shop itself: creates the shop on first call (no psif client needed), then updates it. */
  async upsert(shopId: string, input: ShopInput & { url: string }): Promise<{ shop: Shop; created: boolean }> {
    const existing = await this.repository.find(shopId);
    if (existing) return { shop: await this.update(shopId, input), created: false };
    try {
      return { shop: await this.create(shopId, input, null), created: true };
    } catch (error) {
      if (error instanceof ApiError && error.code === 'shop_exists') return { shop: await this.update(shopId, input), created: false };
      throw error;
    }
  }

  async get(shopId: string): Promise<Shop> {
    const shop = await this.repository.find(shopId);
    if (!shop) throw ApiError.notFound('shop_not_found', `no shop with id "${shopId}"`);
    return shop;
  }

  list(limit = 100, offset = 0) {
    return this.repository.list(limit, offset);
  }

  async update(shopId: string, input: ShopInput): Promise<Shop> {
    const shop = await this.get(shopId);
    const updated: Shop = {
      ...shop,
      url: input.url === undefined ? shop.url : normaliseUrl(input.url),
      languages: input.languages === undefined ? shop.languages : normaliseLanguages(input.languages),
      updatedAt: new Date(),
    };
    await this.repository.update(updated);
    return updated;
  }

  /** Deletes the shop, its consents, jobs and every synced row, and its psif client. */
  async delete(shopId: string): Promise<void> {
    const shop = await this.get(shopId);
    await this.db.transaction().execute(async (trx) => {
      for (const content of this.catalog.contents) await trx.deleteFrom(content.table as never).where('shop_id' as never, '=', shopId as never).execute();
      await trx.deleteFrom('uploads').where('shop_id', '=', shopId).execute();
      await trx.deleteFrom('consent_events').where('shop_id', '=', shopId).execute();
      await trx.deleteFrom('shops').where('shop_id', '=', shopId).execute();
    });
    if (shop.clientId) await this.clients.delete(shop.clientId).catch((error: unknown) => {
      if (!(error instanceof ApiError && error.statusCode === 404)) throw error;
    });
  }

  private async create(shopId: string, input: ShopInput & { url: string }, clientId: string | null): Promise<Shop> {
    if (!SHOP_ID.test(shopId)) throw ApiError.badRequest('invalid_shop_id', `shop id must be a lowercase UUID, got "${shopId}"`);
    const now = new Date();
    const shop: Shop = { shopId, url: normaliseUrl(input.url), languages: normaliseLanguages(input.languages ?? []), clientId, createdAt: now, updatedAt: now };
    try {
      await this.repository.insert(shop);
    } catch (error) {
      if (await this.repository.find(shopId)) throw ApiError.conflict('shop_exists', `shop ${shopId} is already registered`);
      throw error;
    }
    return shop;
  }
}

/** The base URL ps_eventbus is reached under; no query or fragment, no trailing slash. */
export function normaliseUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw ApiError.badRequest('invalid_url', `shop url must be an absolute http(s) URL, got "${raw}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw ApiError.badRequest('invalid_url', 'shop url must use http or https');
  if (url.search || url.hash || url.username || url.password) throw ApiError.badRequest('invalid_url', 'shop url must not carry credentials, a query string or a fragment');
  return url.href.replace(/\/+$/, '');
}

function normaliseLanguages(languages: string[]): string[] {
  const normalised = languages.map((l) => l.toLowerCase());
  const bad = normalised.find((l) => !LANGUAGE.test(l));
  if (bad !== undefined) throw ApiError.badRequest('invalid_language', `"${bad}" is not an ISO language code (such as en or pt-br)`);
  if (new Set(normalised).size !== normalised.length) throw ApiError.badRequest('invalid_language', 'languages must not repeat');
  return normalised;
}
