import { Type } from '@sinclair/typebox';
import { catalog } from '../../catalog/catalog.js';
import type { Module, ModuleConsents, Shop } from '../model.js';

export const ShopId = Type.String({ pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$', description: 'Shop UUID (PrestaShop Accounts), lowercase' });
export const ModuleName = Type.String({ pattern: '^[A-Za-z][A-Za-z0-9_]{0,63}$', description: 'Module technical name, e.g. ps_mymodule' });
export const ConsentName = Type.Union(catalog.consents.map((c) => Type.Literal(c)), { description: 'A consent name (cloudsync-protocol §6)' });
export const Languages = Type.Array(Type.String({ minLength: 2, maxLength: 12 }), { maxItems: 100, description: 'ISO codes of the shop languages to sync, default first' });
export const ShopUrl = Type.String({ minLength: 1, maxLength: 2048, description: 'Base URL of the shop (ps_eventbus is reached below it)' });

export const ShopView = Type.Object(
  {
    shopId: Type.String(),
    url: Type.String(),
    languages: Type.Array(Type.String()),
    clientId: Type.Union([Type.String(), Type.Null()], { description: 'The psif shop client, null when the shop uses an external issuer' }),
    createdAt: Type.String({ format: 'date-time' }),
    updatedAt: Type.String({ format: 'date-time' }),
  },
  { $id: 'Shop' },
);

export const ModuleView = Type.Object(
  { name: Type.String(), vendor: Type.String({ description: 'Vendor client name' }), vendorClientId: Type.String(), createdAt: Type.String({ format: 'date-time' }) },
  { $id: 'Module' },
);

export const ModuleConsentsView = Type.Object(
  {
    shopId: Type.String(),
    moduleName: Type.String(),
    consents: Type.Array(Type.String(), { description: 'Granted consents; holds "info" whenever it is not empty' }),
    updatedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  },
  { $id: 'ModuleConsents' },
);

export const SHOPS_SCHEMAS = [ShopView, ModuleView, ModuleConsentsView];

export function shopView(shop: Shop) {
  return { shopId: shop.shopId, url: shop.url, languages: shop.languages, clientId: shop.clientId, createdAt: shop.createdAt.toISOString(), updatedAt: shop.updatedAt.toISOString() };
}

export function moduleView(module: Module) {
  return { name: module.name, vendor: module.vendorName, vendorClientId: module.vendorClientId, createdAt: module.createdAt.toISOString() };
}

export function consentsView(shopId: string, entry: ModuleConsents) {
  return { shopId, moduleName: entry.moduleName, consents: entry.consents, updatedAt: entry.updatedAt?.toISOString() ?? null };
}
