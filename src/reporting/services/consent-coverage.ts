import { type RawBuilder, type SqlBool, sql } from 'kysely';
import type { Catalog } from '../../catalog/catalog.js';

/**
 * A SQL condition for reports over many shops: "one of the vendor's modules holds, in this row's shop, the
 * consent that covers this row's content". The content → consent mapping of the catalog is written as a
 * CASE expression, so the filter runs in the database, served by the consents primary key.
 */
export class ConsentCoverage {
  private readonly branches: string;

  constructor(catalog: Catalog) {
    this.branches = catalog.contents
      .map((content) => {
        for (const name of [content.name, content.consent]) if (!/^[a-z_]+$/.test(name)) throw new Error(`catalog name "${name}" cannot be written in SQL`);
        return `WHEN '${content.name}' THEN '${content.consent}'`;
      })
      .join(' ');
  }

  /** For the table aliased `alias`, with `shop_id` and `content` columns. */
  byVendor(alias: string, vendorClientId: string): RawBuilder<SqlBool> {
    return sql<SqlBool>`EXISTS (SELECT 1 FROM ${sql.table('consents')} c JOIN ${sql.table('modules')} m ON m.name = c.module_name
      WHERE c.shop_id = ${sql.ref(`${alias}.shop_id`)} AND m.vendor_client_id = ${vendorClientId}
      AND c.consent = CASE ${sql.ref(`${alias}.content`)} ${sql.raw(this.branches)} END)`;
  }
}
