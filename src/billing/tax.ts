/**
 * Standard VAT rates of the EU member states and the UK, in basis points (2000 = 20 %), applied from the
 * customer's billing-address country (billing.md §4: taxes follow the billing country). Other countries,
 * and customers without an address, are not taxed. Reduced rates and reverse charge are out of scope.
 */
const STANDARD_VAT: Record<string, number> = {
  AT: 2000, BE: 2100, BG: 2000, CY: 1900, CZ: 2100, DE: 1900, DK: 2500, EE: 2400, ES: 2100, FI: 2550, FR: 2000,
  GB: 2000, GR: 2400, HR: 2500, HU: 2700, IE: 2300, IT: 2200, LT: 2100, LU: 1700, LV: 2100, MT: 1800, NL: 2100,
  PL: 2300, PT: 2300, RO: 2100, SE: 2500, SI: 2200, SK: 2300,
};

export function taxRateFor(country: string | undefined | null): number {
  return country ? (STANDARD_VAT[country.toUpperCase()] ?? 0) : 0;
}

/** Tax of one line, rounded half up to the minor unit; an invoice's tax is the sum of its lines'. */
export function lineTax(amount: number, rateBasisPoints: number): number {
  return Math.round((amount * rateBasisPoints) / 10_000);
}
