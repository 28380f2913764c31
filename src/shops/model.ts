/** A PrestaShop shop known to psif, identified by its PrestaShop Accounts UUID. */
export interface Shop {
  shopId: string;
  /** Base URL psif calls (`{url}/index.php?fc=module&module=ps_eventbus...`). */
  url: string;
  /** ISO codes of the languages to sync, default first. */
  languages: string[];
  /** The psif `shop` client, or null for a shop that authenticates with an external issuer's tokens. */
  clientId: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** A vendor's PrestaShop module (technical name), the unit shops give consents to. */
export interface Module {
  name: string;
  vendorClientId: string;
  vendorName: string;
  createdAt: Date;
}

export interface ModuleConsents {
  moduleName: string;
  /** Consent names, sorted; always holds `info` when not empty. */
  consents: string[];
  updatedAt: Date | null;
}

export const SHOP_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** PrestaShop module technical names: letters, digits and underscores. */
export const MODULE_NAME = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;
export const LANGUAGE = /^[a-z]{2,3}(?:-[a-z0-9]{2,8})?$/;
export const ALWAYS_CONSENTED = 'info';
