import type { Catalog } from '../../catalog/catalog.js';
import { ApiError } from '../../platform/http/api-error.js';
import { ALWAYS_CONSENTED, type ModuleConsents } from '../model.js';
import type { ConsentsRepository } from '../storage/consents-repository.js';
import type { ModuleService } from './module-service.js';
import type { ShopService } from './shop-service.js';

export interface ConsentChange {
  accepted: readonly string[];
  revoked: readonly string[];
}

/**
 * What each shop shares with each module. `info` is part of every non-empty consent set: it is added
 * when anything is granted, and it can only be revoked together with everything else.
 */
export class ConsentService {
  constructor(
    private readonly repository: ConsentsRepository,
    private readonly shops: ShopService,
    private readonly modules: ModuleService,
    private readonly catalog: Catalog,
  ) {}

  async list(shopId: string): Promise<ModuleConsents[]> {
    await this.shops.get(shopId);
    const byModule = new Map<string, ModuleConsents>();
    for (const row of await this.repository.forShop(shopId)) {
      const entry = byModule.get(row.moduleName) ?? { moduleName: row.moduleName, consents: [], updatedAt: null };
      entry.consents.push(row.consent);
      if (!entry.updatedAt || entry.updatedAt.getTime() < row.grantedAt) entry.updatedAt = new Date(row.grantedAt);
      byModule.set(row.moduleName, entry);
    }
    return [...byModule.values()];
  }

  async get(shopId: string, moduleName: string): Promise<ModuleConsents> {
    await this.shops.get(shopId);
    await this.modules.get(moduleName);
    const rows = await this.repository.forShop(shopId, moduleName);
    const updatedAt = rows.length === 0 ? null : new Date(Math.max(...rows.map((r) => r.grantedAt)));
    return { moduleName, consents: rows.map((r) => r.consent), updatedAt };
  }

  /** The historical `{shopConsentAccepted, shopConsentRevoked}` change. */
  async change(shopId: string, moduleName: string, change: ConsentChange, via: string): Promise<ModuleConsents> {
    this.checkNames([...change.accepted, ...change.revoked]);
    const both = change.accepted.find((c) => change.revoked.includes(c));
    if (both !== undefined) throw ApiError.badRequest('conflicting_consents', `"${both}" is both accepted and revoked`);
    const current = await this.get(shopId, moduleName);
    const wanted = new Set(current.consents);
    for (const consent of change.revoked) wanted.delete(consent);
    for (const consent of change.accepted) wanted.add(consent);
    if (change.revoked.includes(ALWAYS_CONSENTED) && [...wanted].some((c) => c !== ALWAYS_CONSENTED)) {
      throw ApiError.badRequest('info_required', '"info" is part of every consent: revoke it together with all the others, or not at all');
    }
    return this.store(shopId, moduleName, wanted, via);
  }

  /** Replaces the whole set (the REST API's PUT); `[]` revokes everything. */
  async replace(shopId: string, moduleName: string, consents: readonly string[], via: string): Promise<ModuleConsents> {
    this.checkNames(consents);
    await this.shops.get(shopId);
    await this.modules.get(moduleName);
    return this.store(shopId, moduleName, new Set(consents), via);
  }

  private async store(shopId: string, moduleName: string, wanted: Set<string>, via: string): Promise<ModuleConsents> {
    if (wanted.size > 0) wanted.add(ALWAYS_CONSENTED);
    await this.repository.replace(shopId, moduleName, wanted, via, Date.now());
    return this.get(shopId, moduleName);
  }

  private checkNames(names: readonly string[]): void {
    const unknown = names.filter((n) => !this.catalog.consents.includes(n));
    if (unknown.length > 0) {
      throw ApiError.badRequest('unknown_consent', `unknown consent ${unknown.map((n) => `"${n}"`).join(', ')}; known: ${this.catalog.consents.join(', ')}`, { unknown });
    }
  }
}
