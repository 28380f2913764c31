import type { Kysely, Selectable } from 'kysely';
import type { Database, ShopTable } from '../../platform/db/schema.js';
import type { Shop } from '../model.js';

export class ShopsRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async find(shopId: string): Promise<Shop | undefined> {
    const row = await this.db.selectFrom('shops').selectAll().where('shop_id', '=', shopId).executeTakeFirst();
    return row && toShop(row);
  }

  async list(limit: number, offset: number): Promise<{ items: Shop[]; total: number }> {
    const rows = await this.db.selectFrom('shops').selectAll().orderBy('created_at').orderBy('shop_id').limit(limit).offset(offset).execute();
    const count = await this.db.selectFrom('shops').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    return { items: rows.map(toShop), total: Number(count.n) };
  }

  async insert(shop: Shop): Promise<void> {
    await this.db.insertInto('shops').values(toRow(shop)).execute();
  }

  async update(shop: Shop): Promise<void> {
    const { shop_id: _id, created_at: _created, ...changes } = toRow(shop);
    await this.db.updateTable('shops').set(changes).where('shop_id', '=', shop.shopId).execute();
  }

  async delete(shopId: string): Promise<boolean> {
    const result = await this.db.deleteFrom('shops').where('shop_id', '=', shopId).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }
}

function toRow(shop: Shop): Selectable<ShopTable> {
  return {
    shop_id: shop.shopId,
    url: shop.url,
    languages: JSON.stringify(shop.languages),
    client_id: shop.clientId,
    created_at: shop.createdAt.getTime(),
    updated_at: shop.updatedAt.getTime(),
  };
}

function toShop(row: Selectable<ShopTable>): Shop {
  return {
    shopId: row.shop_id,
    url: row.url,
    languages: JSON.parse(row.languages) as string[],
    clientId: row.client_id,
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  };
}
