import type { Catalog } from '../catalog/catalog.js';
import type { Config } from '../platform/config/config.js';
import type { Db } from '../platform/db/database.js';
import { createReadQuery } from '../platform/db/read-query.js';
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
  const read = createReadQuery(db);
  return {
    contents: rawContents(catalog),
    access: new RawAccess(read, db.backend, { adminOverride: config.rawAdminAccess }),
    query: new RawQuery(read, db.backend),
  };
}
