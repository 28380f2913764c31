/**
 * Ory Hydra's wildcard strategy (fosite `WildcardScopeStrategy`): `a.*` grants `a.b` and `a.b.c` but not
 * `a`; a plain `a.b` grants only itself. Kept identical so vendor scope lists behave as on PrestaShop's server.
 */
export function isScopeAllowed(requested: string, allowed: readonly string[]): boolean {
  return allowed.some((grant) => {
    if (grant === requested) return true;
    if (!grant.endsWith('.*')) return false;
    const prefix = grant.slice(0, -1); // keeps the dot: 'a.' so 'ab' is not matched by 'a.*'
    return requested.startsWith(prefix) && requested.length > prefix.length;
  });
}

/** Splits a space-delimited list (RFC 6749 §3.3), dropping empty items and duplicates, keeping order. */
export function splitSpaceList(value: string | undefined): string[] {
  if (!value) return [];
  if (!value.includes(' ')) return [value]; // the common single item, without the split/Set/spread
  return [...new Set(value.split(' ').filter((item) => item !== ''))];
}
