import { type Kysely, sql } from 'kysely';
import type { Backend } from '../platform/db/database.js';
import type { Catalog, Content, PropertyType } from './catalog.js';

/**
 * One table per shop content, derived from the catalog: a typed column per property (named as on the
 * wire) and the system columns below, keyed by (shop_id, id) so the data can be sharded by shop.
 *
 * System columns are prefixed `sys_` because contents have properties named created_at, updated_at and
 * deleted that mean something else (the shop's own values). docs/cloudsync.md ("Storage") says what each holds.
 */
type ColumnKind = PropertyType | 'key' | 'timestamp' | 'flag' | 'text';

const COLUMN_TYPES: Record<Backend, Record<ColumnKind, string>> = {
  sqlite: { key: 'text', text: 'text', string: 'text', integer: 'integer', number: 'real', boolean: 'integer', datetime: 'integer', date: 'text', object: 'text', timestamp: 'integer', flag: 'integer' },
  postgres: { key: 'text', text: 'text', string: 'text', integer: 'bigint', number: 'double precision', boolean: 'boolean', datetime: 'bigint', date: 'text', object: 'text', timestamp: 'bigint', flag: 'boolean' },
};

interface ColumnDefinition {
  name: string;
  kind: ColumnKind;
  notNull: boolean;
}

export function columnDefinitions(content: Content): ColumnDefinition[] {
  return [
    { name: 'shop_id', kind: 'key', notNull: true },
    { name: 'id', kind: 'key', notNull: true },
    ...content.properties.map((p) => ({ name: p.name, kind: p.type, notNull: false })),
    { name: 'sys_lang', kind: 'text', notNull: false },
    { name: 'sys_job_id', kind: 'text', notNull: false },
    { name: 'sys_hash', kind: 'text', notNull: false },
    { name: 'sys_created_at', kind: 'timestamp', notNull: true },
    { name: 'sys_updated_at', kind: 'timestamp', notNull: true },
    { name: 'sys_last_synced_at', kind: 'timestamp', notNull: true },
    { name: 'sys_deleted', kind: 'flag', notNull: true },
    { name: 'sys_deleted_at', kind: 'timestamp', notNull: false },
  ];
}

/** Indexes beyond the primary key: incremental mirroring, reconciliation per language, delete keys. */
function indexes(content: Content): { name: string; columns: string[] }[] {
  const list = [{ name: `${content.table}_synced`, columns: ['shop_id', 'sys_last_synced_at', 'id'] }];
  if (content.perLanguage) list.push({ name: `${content.table}_lang_synced`, columns: ['shop_id', 'sys_lang', 'sys_last_synced_at'] });
  const seen = new Set<string>();
  for (const matcher of content.deleteMatchers) {
    const columns = ['shop_id', ...matcher.columns.map((c) => c.name)];
    const key = columns.join(',');
    if (seen.has(key)) continue;
    seen.add(key);
    list.push({ name: `${content.table}_del_${matcher.columns.map((c) => c.name).join('_')}`, columns });
  }
  return list;
}

/**
 * Creates missing content tables, and adds the columns of properties the catalog gained since a table was
 * created (a newer ps_eventbus sends more). Columns are never dropped: a property that leaves the catalog
 * keeps its data. Idempotent; runs at every start after the migrations.
 */
export async function ensureContentTables(db: Kysely<any>, backend: Backend, catalog: Catalog): Promise<{ created: string[]; altered: string[] }> {
  const existing = new Map<string, Set<string>>();
  // PostgreSQL introspection lists every schema; only the one psif writes to (search_path) counts.
  const schema = backend === 'postgres' ? (await sql<{ schema: string }>`select current_schema() as schema`.execute(db)).rows[0]?.schema : undefined;
  for (const table of await db.introspection.getTables()) {
    if (schema === undefined || table.schema === schema) existing.set(table.name, new Set(table.columns.map((c) => c.name)));
  }
  const created: string[] = [];
  const altered: string[] = [];
  const types = COLUMN_TYPES[backend];
  for (const content of catalog.contents) {
    const columns = existing.get(content.table);
    if (!columns) {
      await db.transaction().execute(async (trx) => {
        let create = trx.schema.createTable(content.table);
        for (const column of columnDefinitions(content)) {
          create = create.addColumn(column.name, sql.raw(types[column.kind]), (c) => {
            let definition = column.notNull ? c.notNull() : c;
            if (column.name === 'sys_deleted') definition = definition.defaultTo(backend === 'postgres' ? sql`false` : 0);
            return definition;
          });
        }
        await create.addPrimaryKeyConstraint(`${content.table}_pk`, ['shop_id', 'id'] as never).execute();
        for (const index of indexes(content)) await trx.schema.createIndex(index.name).on(content.table).columns(index.columns).execute();
      });
      created.push(content.table);
      continue;
    }
    for (const column of columnDefinitions(content)) {
      if (columns.has(column.name)) continue;
      if (column.notNull) throw new Error(`table ${content.table} lacks the system column ${column.name}; it was not created by psif`);
      await db.schema.alterTable(content.table).addColumn(column.name, sql.raw(types[column.kind])).execute();
      altered.push(`${content.table}.${column.name}`);
    }
  }
  return { created, altered };
}
