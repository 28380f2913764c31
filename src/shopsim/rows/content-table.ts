import type { ContentRules, Row } from '../content-rules.js';
import type { ShopLanguages } from './languages.js';
import { type KeyKind, type RecordRows, type RecordSource, keyOf, rowOf } from './record-source.js';
import type { NdjsonWriter } from './ndjson-writer.js';
import { encodeLine } from './row-template.js';

/** The record ids a language sees, in the order the module's SQL returns them. */
interface Positions {
  length: number;
  at(position: number): number;
}

/**
 * One content's table: the source's records (ids 0..size-1, produced on demand) plus an overlay of
 * changed and added records (ids from size on), in an order that deletes and inserts shift, as the
 * module's unordered OFFSET pagination sees it. The order stays implicit until the first delete or insert.
 */
export class ContentTable {
  private order: Int32Array | null = null;
  private length: number;
  private nextId: number;
  private freshSeq = 0;
  private version = 0;
  private readonly overlay = new Map<number, RecordRows>();
  private readonly overlayLines = new Map<number, Map<string, string>>();
  private readonly removed = new Set<number>();
  /** Overlay records that lack a row in some served language. */
  private readonly partial = new Set<number>();
  private readonly addedIndex = new Map<KeyKind, Map<string, Set<number>>>();
  private readonly positionsCache = new Map<string, { version: number; positions: Positions }>();

  constructor(
    readonly rules: ContentRules,
    private readonly source: RecordSource,
    private readonly languages: ShopLanguages,
  ) {
    this.length = source.size;
    this.nextId = source.size;
  }

  /** COUNT(*) of the module's full-sync query in this language. */
  count(lang: string): number {
    return this.positions(lang).length;
  }

  /** `LIMIT limit OFFSET offset`, written as upload lines. */
  writePage(lang: string, offset: number, limit: number, out: NdjsonWriter): void {
    const positions = this.positions(lang);
    const end = Math.min(positions.length, offset + limit);
    for (let p = offset; p < end; p++) this.writeLine(positions.at(p), lang, out);
  }

  /** The incremental query: rows whose incremental key is one of `keys`, in table order, `LIMIT limit`. */
  writeIncremental(lang: string, keys: readonly string[], limit: number, out: NdjsonWriter): void {
    if (!this.served(lang)) return;
    const ids = new Set<number>();
    for (const key of keys) for (const id of this.find('incremental', key)) if (this.present(id, lang)) ids.add(id);
    for (const id of [...ids].sort((a, b) => a - b).slice(0, limit)) this.writeLine(id, lang, out);
  }

  /** The record at a position of a language's order. */
  idAt(lang: string, position: number): number | undefined {
    const positions = this.positions(lang);
    return position >= 0 && position < positions.length ? positions.at(position) : undefined;
  }

  /** The rows a language sees, as objects (for assertions; slow on big tables). */
  rows(lang: string): Row[] {
    const positions = this.positions(lang);
    return Array.from({ length: positions.length }, (_, p) => rowOf(this.recordRows(positions.at(p)), lang)!);
  }

  /** Ids of the present records whose key of that kind is `key`. */
  find(kind: KeyKind, key: string): number[] {
    // info's only record is the shop itself, whatever the key.
    if (kind === 'record' && this.rules.content.idProperties.length === 0) return Array.from({ length: this.length }, (_, p) => this.at(p));
    const ids = this.source.find(kind, key).filter((id) => !this.removed.has(id));
    const added = this.addedIndex.get(kind)?.get(key);
    return added ? [...ids, ...added] : ids;
  }

  recordRows(id: number): RecordRows {
    return this.overlay.get(id) ?? this.source.rows(id);
  }

  /** A complete row to start a new record from, if the content has any. */
  template(): Row | undefined {
    return this.source.template();
  }

  /** UPDATE: the record keeps its place. */
  replace(id: number, rows: RecordRows): void {
    if (id >= this.source.size) this.unindex(id);
    this.setOverlay(id, rows);
    if (id >= this.source.size) this.index(id);
  }

  /** INSERT of a new record, at the end or at a position of the order. */
  add(rows: RecordRows, position = this.length): number {
    const id = this.nextId++;
    this.setOverlay(id, rows);
    this.index(id);
    if (position >= this.length && this.order === null && id === this.length) {
      this.length++;
    } else {
      this.materialise(this.length + 1);
      this.order!.copyWithin(position + 1, position, this.length);
      this.order![position] = id;
      this.length++;
    }
    this.version++;
    return id;
  }

  /** A record with new ids (rows inserted by another process), if the content has a template. */
  fresh(): RecordRows | undefined {
    return this.source.fresh(this.freshSeq++);
  }

  /** DELETE. */
  remove(id: number): void {
    this.materialise(this.length);
    const position = this.order!.subarray(0, this.length).indexOf(id);
    if (position < 0) return;
    this.order!.copyWithin(position, position + 1, this.length);
    this.length--;
    if (id < this.source.size) this.removed.add(id);
    else this.unindex(id);
    this.overlay.delete(id);
    this.overlayLines.delete(id);
    this.partial.delete(id);
    this.version++;
  }

  private at(position: number): number {
    return this.order === null ? position : this.order[position]!;
  }

  /** Only for records present in `lang`. */
  private writeLine(id: number, lang: string, out: NdjsonWriter): void {
    const rows = this.overlay.get(id);
    if (!rows) return this.source.writeLine(id, lang, out);
    const key = rows.has(lang) ? lang : '';
    const cache = this.overlayLines.get(id)!;
    let line = cache.get(key);
    if (line === undefined) cache.set(key, (line = encodeLine(this.rules.content.collection, rows.get(key)!)));
    out.line(line);
  }

  /** A per-language content has no rows in a language the shop does not have (its SQL joins *_lang). */
  private served(lang: string): boolean {
    return !this.rules.content.perLanguage || this.languages.has(lang);
  }

  private present(id: number, lang: string): boolean {
    const rows = this.overlay.get(id);
    if (rows) return rows.has(lang) || rows.has('');
    if (this.source.uniform) return true;
    const own = this.source.rows(id);
    return own.has(lang) || own.has('');
  }

  private positions(lang: string): Positions {
    if (!this.served(lang)) return { length: 0, at: () => -1 };
    if (this.source.uniform && this.partial.size === 0) return { length: this.length, at: (p) => this.at(p) };
    const cached = this.positionsCache.get(lang);
    if (cached?.version === this.version) return cached.positions;
    const ids: number[] = [];
    for (let p = 0; p < this.length; p++) if (this.present(this.at(p), lang)) ids.push(this.at(p));
    const positions = { length: ids.length, at: (p: number) => ids[p]! };
    this.positionsCache.set(lang, { version: this.version, positions });
    return positions;
  }

  private setOverlay(id: number, rows: RecordRows): void {
    this.overlay.set(id, rows);
    this.overlayLines.set(id, new Map());
    const complete = rows.has('') || this.languages.isos.every((lang) => rows.has(lang));
    if (complete) this.partial.delete(id);
    else this.partial.add(id);
    this.version++;
  }

  private materialise(capacity: number): void {
    if (this.order === null) {
      this.order = new Int32Array(Math.max(capacity, 16));
      for (let i = 0; i < this.length; i++) this.order[i] = i;
    } else if (capacity > this.order.length) {
      const grown = new Int32Array(Math.max(capacity, this.order.length * 2));
      grown.set(this.order.subarray(0, this.length));
      this.order = grown;
    }
  }

  private index(id: number): void {
    for (const kind of ['record', 'incremental', 'group'] as const) {
      const byKey = this.addedIndex.get(kind) ?? new Map<string, Set<number>>();
      this.addedIndex.set(kind, byKey);
      for (const row of this.overlay.get(id)!.values()) {
        const key = keyOf(this.rules, kind, row);
        const ids = byKey.get(key) ?? new Set<number>();
        byKey.set(key, ids.add(id));
      }
    }
  }

  private unindex(id: number): void {
    const rows = this.overlay.get(id);
    if (!rows) return;
    for (const [kind, byKey] of this.addedIndex) for (const row of rows.values()) byKey.get(keyOf(this.rules, kind, row))?.delete(id);
  }
}
