import type { Kysely } from 'kysely';
import type { Catalog, Content } from '../catalog/catalog.js';
import type { Database } from '../platform/db/schema.js';

/**
 * What psif may pull from a shop: the contents covered by the consents the shop gave to any module.
 * Nothing else is ever asked for, whoever triggers a sync.
 */
export class ConsentedContents {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly catalog: Catalog,
  ) {}

  async forShop(shopId: string): Promise<Content[]> {
    const rows = await this.db.selectFrom('consents').select('consent').distinct().where('shop_id', '=', shopId).execute();
    const consents = new Set(rows.map((r) => r.consent));
    return this.catalog.contents.filter((c) => consents.has(c.consent));
  }

  async includes(shopId: string, content: string): Promise<boolean> {
    const resolved = this.catalog.content(content);
    if (!resolved) return false;
    const row = await this.db.selectFrom('consents').select('shop_id').where('shop_id', '=', shopId).where('consent', '=', resolved.consent).limit(1).executeTakeFirst();
    return row !== undefined;
  }

  /** Every shop with at least one consent, with its consents. */
  async all(): Promise<Map<string, Set<string>>> {
    const rows = await this.db.selectFrom('consents').select(['shop_id', 'consent']).distinct().execute();
    const byShop = new Map<string, Set<string>>();
    for (const row of rows) {
      const set = byShop.get(row.shop_id) ?? new Set<string>();
      set.add(row.consent);
      byShop.set(row.shop_id, set);
    }
    return byShop;
  }

  contentsOf(consents: ReadonlySet<string>): Content[] {
    return this.catalog.contents.filter((c) => consents.has(c.consent));
  }
}

/** The languages a content is pulled in: every shop language when rows depend on it, else the default one. */
export function languagesOf(content: Content, shopLanguages: readonly string[]): string[] {
  if (shopLanguages.length === 0) return [''];
  return content.perLanguage ? [...shopLanguages] : [shopLanguages[0]!];
}
