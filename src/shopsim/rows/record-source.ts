import type { ContentRules, Row } from '../content-rules.js';
import type { NdjsonWriter } from './ndjson-writer.js';
import { encodeLine } from './row-template.js';

/**
 * A record is one entity of a content as the module's SQL returns it: its row in each language ('' holds
 * the row that serves every language). A per-language content's record has one row per shop language; a
 * fixture row is a record of its own language only.
 */
export type RecordRows = ReadonlyMap<string, Row>;

/** Which key of ContentRules a lookup compares. */
export type KeyKind = 'record' | 'incremental' | 'group';

/** The records a content starts with, by index, produced on demand. */
export interface RecordSource {
  readonly size: number;
  /** Every record has a row in every language the shop serves (generated data). */
  readonly uniform: boolean;
  rows(index: number): RecordRows;
  /** Writes the upload line of a record's row in a language (or of its '' row). */
  writeLine(index: number, lang: string, out: NdjsonWriter): void;
  /** Indexes of the records whose key of that kind equals `key`. */
  find(kind: KeyKind, key: string): number[];
  /** A record with new ids beyond the source's (rows inserted while a full sync runs), if it has a template. */
  fresh(seq: number): RecordRows | undefined;
  /** A complete row, to fill what an upsert of a new record does not give. */
  template(): Row | undefined;
}

export function rowOf(rows: RecordRows, lang: string): Row | undefined {
  return rows.get(lang) ?? rows.get('');
}

export function keyOf(rules: ContentRules, kind: KeyKind, row: Row): string {
  return kind === 'record' ? rules.recordKey(row) : kind === 'incremental' ? rules.incrementalKey(row) : rules.groupKey(row);
}

/** derive() for a row of one language; a '' row of a localized content has no language to derive. */
export function deriveFor(rules: ContentRules, row: Row, lang: string, languageIds: ReadonlyMap<string, number>): Row {
  return lang === '' && rules.localized ? row : rules.derive(row, lang, languageIds.get(lang) ?? 1);
}

/** Ids of fresh records start above every id of the templates they are cloned from. */
const FRESH_ID_BASE = 1_000_000;

/** A clone of `template` whose non-zero id fields are moved by `offset`. */
export function bumpIds(rules: ContentRules, template: Row, offset: number): Row {
  const row: Row = { ...template };
  for (const name of rules.idFields) {
    const value = template[name];
    if (typeof value === 'number' && value !== 0) row[name] = value + offset;
    else if (typeof value === 'string' && /^[1-9]\d*$/.test(value)) row[name] = String(Number(value) + offset);
  }
  return row;
}

/**
 * Records held as a list (fixture rows, and the small contents of generated shops), with their lines
 * encoded once and every key indexed.
 */
export class ListSource implements RecordSource {
  readonly uniform = false;
  private readonly lines: Map<string, string>[];
  private readonly indexes = new Map<KeyKind, Map<string, number[]>>();

  constructor(
    private readonly rules: ContentRules,
    private readonly records: readonly RecordRows[],
    private readonly languageIds: ReadonlyMap<string, number>,
  ) {
    this.lines = records.map(() => new Map());
    for (const kind of ['record', 'incremental', 'group'] as const) {
      const index = new Map<string, number[]>();
      records.forEach((rows, i) => {
        for (const key of new Set([...rows.values()].map((row) => keyOf(rules, kind, row)))) {
          const list = index.get(key);
          if (list) list.push(i);
          else index.set(key, [i]);
        }
      });
      this.indexes.set(kind, index);
    }
  }

  get size(): number {
    return this.records.length;
  }

  rows(index: number): RecordRows {
    return this.records[index]!;
  }

  writeLine(index: number, lang: string, out: NdjsonWriter): void {
    const rows = this.records[index]!;
    const key = rows.has(lang) ? lang : '';
    const cache = this.lines[index]!;
    let line = cache.get(key);
    if (line === undefined) cache.set(key, (line = encodeLine(this.rules.content.collection, rows.get(key)!)));
    out.line(line);
  }

  find(kind: KeyKind, key: string): number[] {
    return this.indexes.get(kind)!.get(key) ?? [];
  }

  fresh(seq: number): RecordRows | undefined {
    if (this.records.length === 0) return undefined;
    const template = this.records[seq % this.records.length]!;
    const offset = FRESH_ID_BASE * (1 + Math.floor(seq / this.records.length));
    return new Map([...template].map(([lang, row]) => [lang, deriveFor(this.rules, bumpIds(this.rules, row, offset), lang, this.languageIds)]));
  }

  template(): Row | undefined {
    const first = this.records[0];
    return first ? first.values().next().value : undefined;
  }
}
