import type { Catalog } from '../catalog/catalog.js';
import type { Config } from '../platform/config/config.js';
import type { Db } from '../platform/db/database.js';
import { RawAccess } from './raw-access.js';
import { type RawContent, rawContents } from './raw-fields.js';
import { RawQuery } from './raw-query.js';

/** The Expose Raw API context: the catalog's Raw view, consent checks and queries. */
export interface RawModule {
  /** By kebab-case path. */
  contents: Map<string, RawContent>;
  access: RawAccess;
  query: RawQuery;
}

export function createRawModule(db: Db, config: Config, catalog: Catalog): RawModule {
  return {
    contents: rawContents(catalog),
    access: new RawAccess(db.kysely, { adminOverride: config.rawAdminAccess }),
    query: new RawQuery(db.kysely, db.backend),
  };
}
