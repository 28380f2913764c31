import type { ContentRules, Row } from '../../content-rules.js';
import type { ShopLanguages } from '../languages.js';
import type { NdjsonWriter } from '../ndjson-writer.js';
import type { KeyKind, RecordRows, RecordSource } from '../record-source.js';
import { RowTemplate } from '../row-template.js';

/** A row of a generated record: its template and the values of the template's varying properties. */
export interface Rendered {
  template: RowTemplate;
  values: unknown[];
}

/**
 * Records computed from their index on demand, by cloning a fixture row and varying its ids and a few
 * fields, so a shop of 100,000 products costs nothing until a page is asked for.
 */
export abstract class GeneratedSource implements RecordSource {
  readonly uniform = true;

  constructor(
    protected readonly rules: ContentRules,
    readonly size: number,
    protected readonly languages: ShopLanguages,
  ) {}

  /** The row of record `index` (any index: those past `size` are fresh records) in `lang`. */
  protected abstract render(index: number, lang: string): Rendered;

  abstract find(kind: KeyKind, key: string): number[];

  rows(index: number): RecordRows {
    if (!this.rules.localized) {
      const { template, values } = this.render(index, this.languages.default);
      return new Map([['', template.row(values)]]);
    }
    return new Map(this.languages.isos.map((lang) => {
      const { template, values } = this.render(index, lang);
      return [lang, template.row(values)];
    }));
  }

  writeLine(index: number, lang: string, out: NdjsonWriter): void {
    const { template, values } = this.render(index, this.rules.localized ? lang : this.languages.default);
    template.write(out, values);
  }

  fresh(seq: number): RecordRows {
    return this.rows(this.size + seq);
  }

  template(): Row {
    return this.render(0, this.languages.default).template.template;
  }
}

/** Records whose single id is index + 1 in every key (categories, customers, orders, carts...). */
export class SequentialSource extends GeneratedSource {
  constructor(
    rules: ContentRules,
    size: number,
    languages: ShopLanguages,
    private readonly renderRow: (index: number, lang: string) => Rendered,
  ) {
    super(rules, size, languages);
  }

  protected render(index: number, lang: string): Rendered {
    return this.renderRow(index, lang);
  }

  find(_kind: KeyKind, key: string): number[] {
    const index = positiveId(key) - 1;
    return index >= 0 && index < this.size ? [index] : [];
  }
}

/** The id a key holds, or 0 when it is not a plain positive integer. */
export function positiveId(key: string): number {
  return /^[1-9]\d{0,14}$/.test(key) ? Number(key) : 0;
}

/** Compiles each template row once for the given varying properties. */
export function compile(rules: ContentRules, templates: readonly Row[], varying: readonly string[]): RowTemplate[] {
  if (templates.length === 0) throw new Error(`no fixture row to generate ${rules.content.name} from`);
  return templates.map((row) => new RowTemplate(rules.content.collection, row, varying));
}

/**
 * Parents with 1, 2, 3, 1, 2, 3... children (cart lines, order lines): child index ↔ (parent, position)
 * in constant time, in blocks of 3 parents and 6 children.
 */
export const CHILDREN = {
  count: (parent: number): number => 1 + (parent % 3),
  first: (parent: number): number => 6 * Math.floor(parent / 3) + [0, 1, 3][parent % 3]!,
  total: (parents: number): number => 6 * Math.floor(parents / 3) + [0, 1, 3][parents % 3]!,
  of(child: number): { parent: number; position: number } {
    const r = child % 6;
    return { parent: 3 * Math.floor(child / 6) + [0, 1, 1, 2, 2, 2][r]!, position: [0, 0, 1, 0, 1, 2][r]! };
  },
};

export const EPOCH = Date.UTC(2024, 0, 1);

/** PHP's date('Y-m-d\TH:i:sO') in a shop whose PS_TIMEZONE is one hour ahead of UTC. */
export function phpDate(epochMs: number): string {
  return `${new Date(epochMs + 3_600_000).toISOString().slice(0, 19)}+0100`;
}

export function round2(value: number): number {
  return Math.round(value * 100) / 100;
}

/** A value with the JS type of the template's (ps_eventbus sends some ids as strings, others as numbers). */
export function like(template: unknown, value: string | number): string | number {
  return typeof template === 'string' ? String(value) : value;
}

/** A cheap deterministic spread of an index (no Math.random: every run sends the same bytes). */
export function spread(index: number, modulo: number): number {
  return Math.abs(Math.imul(index + 1, 2_654_435_761) >> 7) % modulo;
}
