import type { Kysely } from 'kysely';
import type { AuthModule } from '../auth/auth-module.js';
import type { Catalog } from '../catalog/catalog.js';
import type { Database } from '../platform/db/schema.js';
import { ConsentService } from './services/consent-service.js';
import { ModuleService } from './services/module-service.js';
import { ShopService } from './services/shop-service.js';
import { ConsentsRepository } from './storage/consents-repository.js';
import { ModulesRepository } from './storage/modules-repository.js';
import { ShopsRepository } from './storage/shops-repository.js';

/** Shops, vendors' modules and the consents between them: the tenancy every data API checks. */
export interface ShopsModule {
  shops: ShopService;
  modules: ModuleService;
  consents: ConsentService;
}

export function createShopsModule(db: Kysely<Database>, auth: AuthModule, catalog: Catalog): ShopsModule {
  const shops = new ShopService(db, new ShopsRepository(db), auth.clients, catalog);
  const modules = new ModuleService(new ModulesRepository(db), auth.clients);
  const consents = new ConsentService(new ConsentsRepository(db), shops, modules, catalog);
  return { shops, modules, consents };
}
