import { CONTENT_RULES, type Row, rulesFor } from '../content-rules.js';
import { ContentTable } from './content-table.js';
import type { ShopLanguages } from './languages.js';
import { type RecordRows, deriveFor } from './record-source.js';
import type { ShopDataset } from './shop-dataset.js';

/** What a change did to one content. */
export interface Change {
  content: string;
  /** The record's rows after an upsert, or before a delete. */
  records: RecordRows[];
  /** An upsert that added a record (PrestaShop's actionObject…AddAfter rather than …UpdateAfter). */
  created: boolean;
}

/**
 * The shop's database as ps_eventbus queries it: one table per content, and the changes a merchant (or a
 * test) makes to them. Changes only touch data; what the module's hooks do about them is module-hooks.ts.
 */
export class ShopData {
  readonly languages: ShopLanguages;
  private readonly tables = new Map<string, ContentTable>();

  constructor(dataset: ShopDataset) {
    this.languages = dataset.languages;
    for (const rules of CONTENT_RULES.values()) this.tables.set(rules.content.name, new ContentTable(rules, dataset.sources.get(rules.content.name)!, dataset.languages));
  }

  table(content: string): ContentTable {
    const table = this.tables.get(content);
    if (!table) throw new Error(`unknown shop content "${content}"`);
    return table;
  }

  /**
   * Changes the record `properties` identify (merged into its row in every language), or adds it: a new
   * record starts from a complete row of the content, so partial properties still make a valid row, and
   * gets one row per shop language when the content's rows carry their language.
   */
  upsert(content: string, properties: Row, position?: number): Change {
    const rules = rulesFor(content);
    const table = this.table(content);
    const key = rules.recordKey(deriveFor(rules, properties, this.languages.default, this.languages.ids));
    const existing = table.find('record', key);
    if (existing.length > 0) {
      const records = existing.map((id) => {
        const rows = this.merged(content, table.recordRows(id), properties);
        table.replace(id, rows);
        return rows;
      });
      return { content, records, created: false };
    }
    const base = { ...table.template(), ...properties };
    const rows: RecordRows = rules.localized
      ? new Map(this.languages.isos.map((lang) => [lang, deriveFor(rules, base, lang, this.languages.ids)]))
      : new Map([['', deriveFor(rules, base, '', this.languages.ids)]]);
    table.add(rows, position);
    return { content, records: [rows], created: true };
  }

  /** Adds a record with new ids at a position of the table order (rows another process inserts). */
  insertFresh(content: string, position: number): Change | undefined {
    const table = this.table(content);
    const rows = table.fresh();
    if (!rows) return undefined;
    table.add(rows, position);
    return { content, records: [rows], created: true };
  }

  /**
   * Removes the records a delete id designates: the content's incremental key (a products "{id}-{attr}",
   * a category id for all its languages...), a bare product id for all its combinations, or else a
   * record key (one cart line "{cart}-{product}-{attr}").
   */
  delete(content: string, id: string): Change {
    const table = this.table(content);
    const ids = content === 'products' && /^\d+$/.test(id) ? table.find('group', id) : table.find('incremental', id);
    const found = ids.length > 0 ? ids : table.find('record', id);
    const records = found.map((recordId) => table.recordRows(recordId));
    for (const recordId of found) table.remove(recordId);
    return { content, records, created: false };
  }

  /** Removes the record at a position of the table order in a language (rows another process deletes). */
  deleteAt(content: string, lang: string, position: number): Change | undefined {
    const table = this.table(content);
    const id = table.idAt(lang, position);
    if (id === undefined) return undefined;
    const records = [table.recordRows(id)];
    table.remove(id);
    return { content, records, created: false };
  }

  private merged(content: string, rows: RecordRows, properties: Row): RecordRows {
    const rules = rulesFor(content);
    return new Map([...rows].map(([lang, row]) => [lang, deriveFor(rules, { ...row, ...properties }, lang, this.languages.ids)]));
  }
}
