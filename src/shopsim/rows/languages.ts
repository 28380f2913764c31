/** A language of the simulated shop: its ISO code and its PrestaShop id_lang. */
export interface ShopLanguage {
  iso: string;
  id: number;
}

/** The shop's languages, default first (PrestaShop's PS_LANG_DEFAULT). */
export class ShopLanguages {
  readonly isos: readonly string[];
  readonly ids: ReadonlyMap<string, number>;

  constructor(readonly list: readonly ShopLanguage[]) {
    if (list.length === 0) throw new Error('a shop needs at least one language');
    this.isos = list.map((l) => l.iso);
    this.ids = new Map(list.map((l) => [l.iso, l.id]));
  }

  get default(): string {
    return this.isos[0]!;
  }

  has(iso: string): boolean {
    return this.ids.has(iso);
  }

  /** The first `count` languages of KNOWN_LANGUAGES, or the given ISO codes, with ids 1, 2... */
  static generated(languages: number | readonly string[]): ShopLanguages {
    const isos = typeof languages === 'number' ? KNOWN_LANGUAGES.slice(0, languages).map((l) => l.iso) : languages;
    if (typeof languages === 'number' && (languages < 1 || languages > KNOWN_LANGUAGES.length)) {
      throw new Error(`languages must be between 1 and ${KNOWN_LANGUAGES.length}, or a list of ISO codes`);
    }
    if (new Set(isos).size !== isos.length || isos.some((iso) => !/^[a-z]{2,3}(?:-[a-z0-9]{2,8})?$/.test(iso))) throw new Error(`invalid language list "${isos.join(',')}"`);
    return new ShopLanguages(isos.map((iso, i) => ({ iso, id: i + 1 })));
  }
}

export interface KnownLanguage {
  iso: string;
  name: string;
  languageCode: string;
  locale: string;
  dateFormat: string;
}

/** What PrestaShop's installer writes for these languages (names are non-ASCII on purpose: \u escapes). */
export const KNOWN_LANGUAGES: readonly KnownLanguage[] = [
  { iso: 'en', name: 'English (English)', languageCode: 'en-us', locale: 'en-US', dateFormat: 'm/d/Y' },
  { iso: 'fr', name: 'Français (French)', languageCode: 'fr-fr', locale: 'fr-FR', dateFormat: 'd/m/Y' },
  { iso: 'es', name: 'Español (Spanish)', languageCode: 'es-es', locale: 'es-ES', dateFormat: 'd/m/Y' },
  { iso: 'de', name: 'Deutsch (German)', languageCode: 'de-de', locale: 'de-DE', dateFormat: 'd.m.Y' },
  { iso: 'it', name: 'Italiano (Italian)', languageCode: 'it-it', locale: 'it-IT', dateFormat: 'd/m/Y' },
  { iso: 'nl', name: 'Nederlands (Dutch)', languageCode: 'nl-nl', locale: 'nl-NL', dateFormat: 'd-m-Y' },
  { iso: 'pt', name: 'Português (Portuguese)', languageCode: 'pt-pt', locale: 'pt-PT', dateFormat: 'd/m/Y' },
  { iso: 'pl', name: 'Polski (Polish)', languageCode: 'pl-pl', locale: 'pl-PL', dateFormat: 'd.m.Y' },
];
