export type AudienceMatching = 'exact' | 'prefix';

/**
 * Exact matching is the default (safer). `prefix` reproduces Ory Hydra's `DefaultAudienceMatchingStrategy`
 * so vendors who request sub-paths of their audience (as Hydra allows) keep working: same scheme
 * (case-insensitive), same host and port (case-sensitive), and a path equal to the allowed one or below it
 * on a `/` boundary. Query and fragment are ignored.
 */
export function isAudienceAllowed(requested: string, allowed: readonly string[], matching: AudienceMatching): boolean {
  if (matching === 'exact') return allowed.includes(requested);
  const wanted = parseLoosely(requested);
  if (!wanted) return false;
  return allowed.some((value) => {
    const grant = parseLoosely(value);
    if (!grant) return false;
    if (grant.scheme !== wanted.scheme || grant.host !== wanted.host) return false;
    const base = grant.path.replace(/\/$/, '');
    return wanted.path === grant.path || wanted.path === base || wanted.path.startsWith(base + '/');
  });
}

interface LooseUrl {
  scheme: string;
  host: string;
  path: string;
}

/** Like Go's url.Parse: audiences such as `tech-vendor/acme` are relative references, not absolute URLs. */
function parseLoosely(value: string): LooseUrl | undefined {
  let rest = value.replace(/[?#].*$/, '');
  let scheme = '';
  const schemeMatch = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(rest);
  if (schemeMatch?.[1]) {
    scheme = schemeMatch[1].toLowerCase();
    rest = rest.slice(schemeMatch[0].length);
  }
  let host = '';
  if (rest.startsWith('//')) {
    const end = rest.indexOf('/', 2);
    host = end === -1 ? rest.slice(2) : rest.slice(2, end);
    rest = end === -1 ? '' : rest.slice(end);
  }
  try {
    return { scheme, host, path: decodeURIComponent(rest) };
  } catch {
    return undefined;
  }
}
