import type { ContentRules, Row } from '../../content-rules.js';
import { KNOWN_LANGUAGES, type ShopLanguages } from '../languages.js';
import { SequentialSource, compile, like } from './generated-source.js';

/**
 * Categories: the fixture's tree (Root, Home, Clothes...) first, then more leaves under its inner
 * categories, one row per shop language (names get the language in brackets outside the default one).
 */
export function generatedCategories(rules: ContentRules, count: number, languages: ShopLanguages, fixture: readonly Row[]): SequentialSource {
  const own = fixture.filter((row) => row.iso_code === fixture[0]?.iso_code);
  const templates = compile(rules, own, ['id_category', 'id_parent', 'name', 'link_rewrite', 'unique_category_id', 'iso_code']);
  const parents = own.filter((row) => own.some((child) => child.id_parent === row.id_category)).map((row) => Number(row.id_category)).filter((id) => id > 1);
  return new SequentialSource(rules, count, languages, (index, lang) => {
    const template = templates[index % templates.length]!;
    const t = template.template;
    const id = index + 1;
    const original = index < templates.length;
    const name = original ? String(t.name) : `${String(t.name)} ${id}`;
    return {
      template,
      values: [
        like(t.id_category, id),
        original ? t.id_parent : like(t.id_parent, parents[index % parents.length] ?? 1),
        lang === languages.default ? name : `${name} (${lang})`,
        original ? t.link_rewrite : `${String(t.link_rewrite)}-${id}`,
        `${id}-${lang}`,
        lang,
      ],
    };
  });
}

/** One row per shop language, with PrestaShop's names and formats for the languages it knows. */
export function generatedLanguages(rules: ContentRules, languages: ShopLanguages, fixture: readonly Row[]): SequentialSource {
  const [template] = compile(rules, fixture.slice(0, 1), ['id_lang', 'name', 'iso_code', 'language_code', 'date_format_lite', 'date_format_full', 'locale']);
  return new SequentialSource(rules, languages.list.length, languages, (index) => {
    const iso = languages.isos[index] ?? `l${index + 1}`;
    const known = KNOWN_LANGUAGES.find((l) => l.iso === iso) ?? { iso, name: iso, languageCode: iso, locale: iso, dateFormat: 'Y-m-d' };
    return {
      template: template!,
      values: [like(template!.template.id_lang, index + 1), known.name, iso, known.languageCode, known.dateFormat, `${known.dateFormat} H:i:s`, known.locale],
    };
  });
}

/** Currency and time zone of the countries a generated shop may be in (any other code keeps the fixture's). */
const COUNTRIES: Readonly<Record<string, { currency: string; timezone: string }>> = {
  FR: { currency: 'EUR', timezone: 'Europe/Paris' },
  GB: { currency: 'GBP', timezone: 'Europe/London' },
  DE: { currency: 'EUR', timezone: 'Europe/Berlin' },
  ES: { currency: 'EUR', timezone: 'Europe/Madrid' },
  IT: { currency: 'EUR', timezone: 'Europe/Rome' },
  NL: { currency: 'EUR', timezone: 'Europe/Amsterdam' },
  BE: { currency: 'EUR', timezone: 'Europe/Brussels' },
  PT: { currency: 'EUR', timezone: 'Europe/Lisbon' },
  PL: { currency: 'PLN', timezone: 'Europe/Warsaw' },
  US: { currency: 'USD', timezone: 'America/New_York' },
};

/**
 * The `shops` object: the fixture's, with the shop's languages and, when given, its country (ISO 3166-1
 * alpha-2, with that country's currency and time zone when known), so several simulated shops can differ.
 */
export function generatedInfo(rules: ContentRules, languages: ShopLanguages, fixture: readonly Row[], country?: string): SequentialSource {
  const [template] = compile(rules, fixture.slice(0, 1), ['default_language', 'languages', 'country_code', 'default_currency', 'timezone']);
  const t = template!.template;
  const code = country?.toUpperCase();
  const known = code ? COUNTRIES[code] : undefined;
  const values = [code ?? t.country_code, known?.currency ?? t.default_currency, known?.timezone ?? t.timezone];
  return new SequentialSource(rules, 1, languages, () => ({ template: template!, values: [languages.default, languages.isos.join(';'), ...values] }));
}

/** Whether a country code is well-formed (ISO 3166-1 alpha-2). */
export function isCountryCode(value: string): boolean {
  return /^[A-Za-z]{2}$/.test(value);
}
