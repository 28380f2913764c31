import type { Row } from '../content-rules.js';
import { phpJsonEncode, phpJsonValue, stripNulEscapes } from '../php-json.js';
import type { NdjsonWriter } from './ndjson-writer.js';

/**
 * An upload line pre-serialised around the properties that vary from row to row: the constant parts of a
 * template row are encoded once, and each line is written as those bytes with the encoded varying values
 * in between. What write(values) writes is exactly encodeLine(collection, row(values)).
 */
export class RowTemplate {
  /** The constant bytes before each slot, and after the last one. */
  private readonly segments: Buffer[] = [];
  /** For each slot, in the order the properties appear, the index of its value in `varying`. */
  private readonly slotValue: number[] = [];

  constructor(
    collection: string,
    readonly template: Row,
    readonly varying: readonly string[],
  ) {
    const slots = new Map(varying.map((name, index) => [name, index]));
    let text = `{"action":"upsert","collection":${phpJsonEncode(collection)},"properties":{`;
    let first = true;
    const property = (name: string): string => {
      const head = `${first ? '' : ','}${phpJsonEncode(name)}:`;
      first = false;
      return head;
    };
    const closeSegment = () => this.segments.push(Buffer.from(text, 'latin1'));
    for (const [name, value] of Object.entries(template)) {
      const slot = slots.get(name);
      if (slot === undefined) {
        text += property(name) + stripNulEscapes(phpJsonEncode(value));
        continue;
      }
      text += property(name);
      closeSegment();
      this.slotValue.push(slot);
      text = '';
      slots.delete(name);
    }
    // Varying properties the template lacks come last, as an object assignment would put them.
    for (const [name, slot] of slots) {
      text += property(name);
      closeSegment();
      this.slotValue.push(slot);
      text = '';
    }
    text += '}}';
    closeSegment();
  }

  write(out: NdjsonWriter, values: readonly unknown[]): void {
    out.startLine();
    out.bytes(this.segments[0]!);
    for (let i = 0; i < this.slotValue.length; i++) {
      out.text(phpJsonValue(values[this.slotValue[i]!]));
      out.bytes(this.segments[i + 1]!);
    }
  }

  row(values: readonly unknown[]): Row {
    const row: Row = { ...this.template };
    for (let i = 0; i < this.varying.length; i++) row[this.varying[i]!] = values[i];
    return row;
  }
}

/** The line of a row that has no template (fixture rows, rows changed through the simulator). */
export function encodeLine(collection: string, row: Row): string {
  return stripNulEscapes(phpJsonEncode({ action: 'upsert', collection, properties: row }));
}
