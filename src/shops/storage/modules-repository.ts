import type { Kysely } from 'kysely';
import type { Database } from '../../platform/db/schema.js';
import type { Module } from '../model.js';

export class ModulesRepository {
  constructor(private readonly db: Kysely<Database>) {}

  private select() {
    return this.db
      .selectFrom('modules as m')
      .innerJoin('oauth_clients as c', 'c.client_id', 'm.vendor_client_id')
      .select(['m.name', 'm.vendor_client_id', 'c.name as vendor_name', 'm.created_at']);
  }

  async find(name: string): Promise<Module | undefined> {
    const row = await this.select().where('m.name', '=', name).executeTakeFirst();
    return row && toModule(row);
  }

  async list(filter: { vendorClientId?: string | undefined }): Promise<Module[]> {
    let query = this.select().orderBy('m.name');
    if (filter.vendorClientId) query = query.where('m.vendor_client_id', '=', filter.vendorClientId);
    return (await query.execute()).map(toModule);
  }

  async insert(module: Module): Promise<void> {
    await this.db.insertInto('modules').values({ name: module.name, vendor_client_id: module.vendorClientId, created_at: module.createdAt.getTime() }).execute();
  }

  async delete(name: string): Promise<boolean> {
    const result = await this.db.deleteFrom('modules').where('name', '=', name).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }
}

function toModule(row: { name: string; vendor_client_id: string; vendor_name: string; created_at: number }): Module {
  return { name: row.name, vendorClientId: row.vendor_client_id, vendorName: row.vendor_name, createdAt: new Date(row.created_at) };
}
