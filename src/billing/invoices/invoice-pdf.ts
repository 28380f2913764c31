import PDFDocument from 'pdfkit';

/** Everything an invoice PDF shows; amounts are integers in the currency's minor unit. */
export interface InvoiceDocument {
  invoiceId: string;
  status: 'paid' | 'payment_due' | 'not_paid' | 'voided';
  /** Prints a "SANDBOX — not a real invoice" banner on every page. */
  sandbox: boolean;
  /** ISO 4217, e.g. EUR. */
  currency: string;
  /** de|en|es|fr|it|nl|pl|pt|ro: labels stay English, numbers and dates follow the locale. */
  locale: string;
  /** ms epoch, UTC. Also the PDF's creation date, so the same invoice always renders the same bytes. */
  invoiceDate: number;
  periodStart: number;
  periodEnd: number;
  paidAt: number | null;
  seller: { name: string; productName: string };
  customer: {
    id: string;
    email: string | null;
    billingAddress: {
      first_name?: string;
      last_name?: string;
      company?: string;
      line1?: string;
      line2?: string;
      city?: string;
      zip?: string;
      country?: string;
    } | null;
    vatNumber: string | null;
  };
  /** Amounts excluding tax; quantity and unitAmount are null for lines that are only an amount (e.g. prorations). */
  lineItems: { description: string; quantity: number | null; unitAmount: number | null; amount: number }[];
  subTotal: number;
  /** Basis points: 2000 = 20 %. */
  taxRate: number;
  taxAmount: number;
  total: number;
  amountPaid: number;
  amountDue: number;
}

const STATUS_LABELS: Record<InvoiceDocument['status'], string> = {
  paid: 'Paid',
  payment_due: 'Payment due',
  not_paid: 'Not paid',
  voided: 'Voided',
};
const STATUS_COLORS: Record<InvoiceDocument['status'], string> = {
  paid: '#15803d',
  payment_due: '#b45309',
  not_paid: '#b91c1c',
  voided: '#6b7280',
};

/**
 * Formats an amount given in minor units, e.g. (2000, 'EUR', 'fr') → "20,00 €", (1500, 'JPY', 'en') → "¥1,500".
 * The exponent is the one ECMA-402 takes from ISO 4217 (EUR 2, JPY 0, KWD 3), so minor units and the
 * displayed digits always agree.
 */
export function formatMoney(minor: number, currency: string, locale: string): string {
  return formatMoneyAs(minor, currency, locale, 'symbol');
}

function formatMoneyAs(minor: number, currency: string, locale: string, currencyDisplay: 'symbol' | 'code'): string {
  if (!Number.isSafeInteger(minor)) throw new RangeError(`amount must be an integer number of minor units, got ${minor}`);
  const format = new Intl.NumberFormat(locale, { style: 'currency', currency, currencyDisplay });
  const exponent = format.resolvedOptions().maximumFractionDigits ?? 2;
  // A decimal string rather than minor / 10 ** exponent: Intl formats it exactly, with no float rounding to reason about.
  const digits = Math.abs(minor).toString().padStart(exponent + 1, '0');
  const whole = digits.slice(0, digits.length - exponent);
  const decimal = exponent > 0 ? `${whole}.${digits.slice(digits.length - exponent)}` : whole;
  return format.format(`${minor < 0 ? '-' : ''}${decimal}` as Intl.StringNumericLiteral);
}

/*
 * The standard PDF fonts only have glyphs for WinAnsi (cp1252); pdfkit silently writes any other character as
 * a wrong byte, so the PDF would show garbage. Text is therefore reduced to WinAnsi first: letters lose their
 * diacritics where that leaves a WinAnsi letter (Polish "ż" → "z", Romanian "ș" → "s"), and whatever has no
 * sensible fallback (CJK, emoji) becomes "?", so a reader can see that something was there.
 */
const WIN_ANSI_EXTRA = new Set('€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ');
// Intl puts these in formatted numbers and dates (fr group separator, some minus signs); the substitutes read the same.
const LOOKALIKES: Record<string, string> = {
  '\u202f': '\u00a0', '\u2007': '\u00a0', '\u2009': ' ', '\u2212': '-', '\u2010': '-', '\u2011': '-',
};
// Letters NFKD does not decompose.
const LETTERS: Record<string, string> = {
  Ł: 'L', ł: 'l', Đ: 'D', đ: 'd', Ħ: 'H', ħ: 'h', ı: 'i', Ŧ: 'T', ŧ: 't', Ŀ: 'L', ŀ: 'l',
};

function isWinAnsi(ch: string): boolean {
  const code = ch.codePointAt(0) ?? 0;
  return (code >= 0x20 && code <= 0x7e) || (code >= 0xa0 && code <= 0xff) || WIN_ANSI_EXTRA.has(ch);
}

function toWinAnsiChar(ch: string): string {
  // WinAnsi has a glyph for the soft hyphen, but drawing it would show a hyphen at every possible break.
  if (ch === '\u00ad') return '';
  if (ch === '\n' || isWinAnsi(ch)) return ch;
  const substitute = LOOKALIKES[ch] ?? LETTERS[ch];
  if (substitute !== undefined) return substitute;
  if (/[\p{Cc}\p{Zs}\p{Zl}\p{Zp}]/u.test(ch)) return ' ';
  // Combining marks, joiners and variation selectors belong to the character before them, already replaced.
  if (/[\p{M}\p{Cf}]/u.test(ch)) return '';
  const stripped = ch.normalize('NFKD').replace(/\p{M}/gu, '');
  if (stripped !== '' && [...stripped].every(isWinAnsi)) return stripped;
  return '?';
}

/** The text as it can be drawn with a standard font; exported for the tests. */
export function toWinAnsi(text: string): string {
  let out = '';
  // NFC first, so a decomposed "é" (e + combining acute) stays "é" instead of losing its accent.
  for (const ch of text.normalize('NFC').replace(/\r\n?/g, '\n')) out += toWinAnsiChar(ch);
  return out;
}

/** Whether the text survives toWinAnsi without losing anything a reader would notice. */
function isWinAnsiText(text: string): boolean {
  return [...text].every((ch) => isWinAnsi(ch) || LOOKALIKES[ch] !== undefined);
}

// Long enough for any real description, short enough that one row can never be taller than a page.
const MAX_DESCRIPTION = 600;

const PAGE_MARGIN = 50;
const FOOTER_HEIGHT = 30;
const BANNER_HEIGHT = 26;
const BODY_SIZE = 9;
const ROW_PADDING = 4;
const MUTED = '#555555';
const INK = '#111111';
const RULE = '#d1d5db';

/** Renders the invoice on A4 with Helvetica; the same document always gives the same bytes. */
export function renderInvoicePdf(doc: InvoiceDocument): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    try {
      const pdf = new PDFDocument({
        size: 'A4',
        margins: {
          top: PAGE_MARGIN + (doc.sandbox ? BANNER_HEIGHT + 10 : 0),
          bottom: PAGE_MARGIN + FOOTER_HEIGHT,
          left: PAGE_MARGIN,
          right: PAGE_MARGIN,
        },
        // Pages are kept until the end so the footer can say "Page n of N".
        bufferPages: true,
        lang: doc.locale,
        displayTitle: true,
        info: {
          Title: `Invoice ${doc.invoiceId}`,
          Author: doc.seller.name,
          Subject: doc.seller.productName,
          Creator: 'psif',
          // The default is now, which would make every rendering differ (the file ID is hashed from this too).
          CreationDate: new Date(doc.invoiceDate),
          ModDate: new Date(doc.invoiceDate),
        },
      });
      const chunks: Buffer[] = [];
      pdf.on('data', (chunk: Buffer) => chunks.push(chunk));
      pdf.on('end', () => resolve(Buffer.concat(chunks)));
      pdf.on('error', reject);
      layOut(pdf, doc);
      pdf.end();
    } catch (error) {
      reject(error instanceof Error ? error : new Error(String(error)));
    }
  });
}

function layOut(pdf: PDFKit.PDFDocument, doc: InvoiceDocument): void {
  // The locale's own forms when the standard fonts can draw them, else a plainer form rather than mangled text;
  // chosen once per document so every amount and date on it looks alike.
  // Polish złoty: "zł" is not WinAnsi, so "PLN" rather than "zl".
  const currencyDisplay = isWinAnsiText(formatMoneyAs(0, doc.currency, doc.locale, 'symbol')) ? 'symbol' : 'code';
  const money = (minor: number) => toWinAnsi(formatMoneyAs(minor, doc.currency, doc.locale, currencyDisplay));
  const mediumDate = new Intl.DateTimeFormat(doc.locale, { dateStyle: 'medium', timeZone: 'UTC' });
  // Polish October is "paź": numeric dates then, for all months.
  const dateFormat = Array.from({ length: 12 }, (_, month) => mediumDate.format(Date.UTC(2000, month, 28))).every(isWinAnsiText)
    ? mediumDate
    : new Intl.DateTimeFormat(doc.locale, { year: 'numeric', month: '2-digit', day: '2-digit', timeZone: 'UTC' });
  const date = (ms: number) => toWinAnsi(dateFormat.format(ms));
  const quantity = new Intl.NumberFormat(doc.locale, { maximumFractionDigits: 3 });
  const percent = new Intl.NumberFormat(doc.locale, { style: 'percent', maximumFractionDigits: 2 });

  const left = pdf.page.margins.left;
  const width = pdf.page.width - left - pdf.page.margins.right;
  const right = left + width;

  let y = pdf.page.margins.top;
  pdf.fillColor(INK).font('Helvetica-Bold').fontSize(16).text(toWinAnsi(doc.seller.name), left, y, { width: width / 2 - 10 });
  pdf.font('Helvetica').fontSize(10).fillColor(MUTED).text(toWinAnsi(doc.seller.productName), { width: width / 2 - 10 });
  const leftBottom = pdf.y;
  pdf.fillColor(INK).font('Helvetica-Bold').fontSize(16).text(toWinAnsi(`Invoice ${doc.invoiceId}`), left + width / 2, y, { width: width / 2, align: 'right' });
  pdf.fillColor(STATUS_COLORS[doc.status]).fontSize(11).text(STATUS_LABELS[doc.status].toUpperCase(), { width: width / 2, align: 'right' });
  y = Math.max(leftBottom, pdf.y) + 20;

  const billToWidth = width - 270 - 20;
  pdf.fillColor(MUTED).font('Helvetica-Bold').fontSize(BODY_SIZE).text('Bill to', left, y, { width: billToWidth });
  pdf.fillColor(INK).font('Helvetica').fontSize(BODY_SIZE);
  for (const line of billToLines(doc.customer)) pdf.text(toWinAnsi(line), { width: billToWidth });
  const billToBottom = pdf.y;

  const facts: [string, string][] = [
    ['Invoice date', date(doc.invoiceDate)],
    ['Billing period', `${date(doc.periodStart)} – ${date(doc.periodEnd)}`],
    ...(doc.paidAt !== null ? [['Paid on', date(doc.paidAt)] as [string, string]] : []),
  ];
  let factY = y;
  const factsX = left + width - 270;
  for (const [label, value] of facts) {
    pdf.fillColor(MUTED).font('Helvetica-Bold').text(label, factsX, factY, { width: 80 });
    pdf.fillColor(INK).font('Helvetica').text(value, factsX + 80, factY, { width: 190, align: 'right' });
    factY = pdf.y + 2;
  }
  y = Math.max(billToBottom, factY) + 24;

  const columns = [
    { title: 'Description', width: width - 60 - 95 - 95, align: 'left' as const },
    { title: 'Qty', width: 60, align: 'right' as const },
    { title: 'Unit price', width: 95, align: 'right' as const },
    { title: 'Amount', width: 95, align: 'right' as const },
  ];
  const bottom = () => pdf.page.height - pdf.page.margins.bottom;
  const cellGap = 8;

  const drawRow = (cells: string[], rowY: number, bold: boolean): number => {
    pdf.font(bold ? 'Helvetica-Bold' : 'Helvetica').fontSize(BODY_SIZE).fillColor(bold ? MUTED : INK);
    const height = rowHeight(cells, bold);
    let x = left;
    cells.forEach((cell, i) => {
      const column = columns[i]!;
      const cellWidth = column.width - (i < columns.length - 1 ? cellGap : 0);
      pdf.text(cell, x, rowY + ROW_PADDING, { width: cellWidth, align: column.align });
      x += column.width;
    });
    return height;
  };
  const rowHeight = (cells: string[], bold: boolean): number => {
    pdf.font(bold ? 'Helvetica-Bold' : 'Helvetica').fontSize(BODY_SIZE);
    const heights = cells.map((cell, i) => {
      const cellWidth = columns[i]!.width - (i < columns.length - 1 ? cellGap : 0);
      return pdf.heightOfString(cell === '' ? ' ' : cell, { width: cellWidth, align: columns[i]!.align });
    });
    return Math.max(...heights) + 2 * ROW_PADDING;
  };
  const rule = (ruleY: number, color = RULE, lineWidth = 0.5, fromX = left) => {
    pdf.save().moveTo(fromX, ruleY).lineTo(right, ruleY).lineWidth(lineWidth).strokeColor(color).stroke().restore();
  };
  const header = (headerY: number): number => {
    const height = drawRow(columns.map((c) => c.title), headerY, true);
    rule(headerY + height, INK, 0.8);
    return headerY + height;
  };
  const newPage = (): number => {
    pdf.addPage();
    return pdf.page.margins.top;
  };

  y = header(y);
  for (const item of doc.lineItems) {
    const description =
      item.description.length > MAX_DESCRIPTION ? `${item.description.slice(0, MAX_DESCRIPTION - 1)}…` : item.description;
    const cells = [
      toWinAnsi(description),
      item.quantity === null ? '' : toWinAnsi(quantity.format(item.quantity)),
      item.unitAmount === null ? '' : money(item.unitAmount),
      money(item.amount),
    ];
    const height = rowHeight(cells, false);
    if (y + height > bottom()) y = header(newPage());
    drawRow(cells, y, false);
    y += height;
    rule(y);
  }
  if (doc.lineItems.length === 0) {
    pdf.font('Helvetica').fontSize(BODY_SIZE).fillColor(MUTED).text('No line items', left, y + ROW_PADDING, { width });
    y = pdf.y + ROW_PADDING;
    rule(y);
  }

  // Totals stay together: if they do not fit under the table they all move to the next page.
  const totals: { label: string; value: string; strong: boolean }[] = [
    { label: 'Subtotal', value: money(doc.subTotal), strong: false },
    { label: `Tax (${toWinAnsi(percent.format(doc.taxRate / 10_000))})`, value: money(doc.taxAmount), strong: false },
    { label: 'Total', value: money(doc.total), strong: true },
    { label: 'Amount paid', value: money(doc.amountPaid), strong: false },
    { label: 'Amount due', value: money(doc.amountDue), strong: true },
  ];
  const lineHeight = 16;
  y += 12;
  if (y + totals.length * lineHeight + 20 > bottom()) y = newPage();
  const labelX = right - 250;
  totals.forEach(({ label, value, strong }, i) => {
    if (i === 2 || i === 3) rule(y - 4, RULE, 0.5, labelX);
    pdf.font(strong ? 'Helvetica-Bold' : 'Helvetica').fontSize(strong ? 10 : BODY_SIZE).fillColor(INK);
    pdf.text(label, labelX, y, { width: 140 });
    pdf.text(value, labelX + 140, y, { width: 110, align: 'right' });
    y += lineHeight;
  });
  pdf.font('Helvetica-Bold').fontSize(10).fillColor(STATUS_COLORS[doc.status]).text(`Status: ${STATUS_LABELS[doc.status]}`, labelX, y + 4, {
    width: 250,
    align: 'right',
  });

  decoratePages(pdf, doc, left, width);
}

function billToLines(customer: InvoiceDocument['customer']): string[] {
  const address = customer.billingAddress;
  const lines: string[] = [];
  if (address) {
    const name = [address.first_name, address.last_name].filter(Boolean).join(' ');
    if (name) lines.push(name);
    if (address.company) lines.push(address.company);
    if (address.line1) lines.push(address.line1);
    if (address.line2) lines.push(address.line2);
    const city = [address.zip, address.city].filter(Boolean).join(' ');
    if (city) lines.push(city);
    if (address.country) lines.push(address.country);
  }
  if (customer.email) lines.push(customer.email);
  if (customer.vatNumber) lines.push(`VAT number: ${customer.vatNumber}`);
  lines.push(`Customer ID: ${customer.id}`);
  return lines;
}

/** Sandbox banner and page numbers, drawn once every page exists so the page count is known. */
function decoratePages(pdf: PDFKit.PDFDocument, doc: InvoiceDocument, left: number, width: number): void {
  const { start, count } = pdf.bufferedPageRange();
  for (let index = start; index < start + count; index++) {
    pdf.switchToPage(index);
    const page = pdf.page;
    if (doc.sandbox) {
      const top = PAGE_MARGIN - 8;
      pdf.save().rect(left, top, width, BANNER_HEIGHT).fill('#b91c1c').restore();
      pdf.font('Helvetica-Bold').fontSize(12).fillColor('#ffffff')
        .text('SANDBOX — not a real invoice', left, top + 8, { width, align: 'center', lineBreak: false });
    }
    if (count > 1) {
      // Writing inside the bottom margin would otherwise make pdfkit start a new page.
      const bottomMargin = page.margins.bottom;
      page.margins.bottom = 0;
      pdf.font('Helvetica').fontSize(8).fillColor(MUTED).text(
        toWinAnsi(`Invoice ${doc.invoiceId} · Page ${index - start + 1} of ${count}`),
        left,
        page.height - PAGE_MARGIN,
        { width, align: 'center', lineBreak: false },
      );
      page.margins.bottom = bottomMargin;
    }
  }
}
