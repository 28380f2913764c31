/**
 * Every way a pull from a shop can fail, as the code psif records (sync_errors) and the Reporting API
 * counts. Shop statuses keep their number (ps_eventbus' own codes 452-460 and any other HTTP status), a
 * failed upload the shop echoes back is `collector_<status>`, and transport failures have names. This
 * table is the one source for classification, descriptions and the OpenAPI documentation.
 */
export interface ErrorCodeInfo {
  code: string;
  description: string;
  /** Retrying the same call can succeed; otherwise the task fails at once. */
  retryable: boolean;
  /** The page was probably too big or too slow: the next call asks for fewer objects. */
  shrinksPage?: boolean;
}

const entries: ErrorCodeInfo[] = [
  { code: '452', retryable: true, description: 'Cannot refresh token: the shop could not get its PrestaShop Accounts token (ps_accounts missing, not linked, or failing).' },
  { code: '453', retryable: true, description: 'Environment misconfigured: ps_eventbus raised an EnvVarException (older module versions).' },
  { code: '454', retryable: true, description: 'Database syntax error: the shop refused the job id (its GET /job/{jobId} to psif did not answer 201: check sync_api_url in config.php) or hit a database exception.' },
  { code: '455', retryable: true, description: 'ps_eventbus error 455 (defined by the module, not raised by current versions).' },
  { code: '456', retryable: true, description: 'ps_eventbus error 456 (defined by the module, not raised by current versions).' },
  { code: '458', retryable: false, description: 'Invalid URL query: the shop does not know this content (an older ps_eventbus) or refused the page size.' },
  { code: '459', retryable: true, description: 'ps_eventbus error 459 (defined by the module, not raised by current versions).' },
  { code: '460', retryable: true, description: 'ps_eventbus error 460 (defined by the module, not raised by current versions).' },
  { code: '401', retryable: true, description: 'The shop refused psif (HTTP 401): the shop or a proxy in front of it requires authentication.' },
  { code: '403', retryable: true, description: 'The shop refused psif (HTTP 403): maintenance mode, a firewall or an IP allow-list.' },
  { code: '404', retryable: true, description: 'Not found (HTTP 404): ps_eventbus is not installed or not enabled, or the shop URL is wrong.' },
  { code: '429', retryable: true, description: 'The shop or its proxy is rate limiting psif (HTTP 429).' },
  { code: '500', retryable: true, shrinksPage: true, description: 'Server error in the shop (HTTP 500): a PHP exception or fatal error, often memory or execution time on a large page.' },
  { code: '502', retryable: true, shrinksPage: true, description: 'Bad gateway (HTTP 502): the proxy in front of the shop got no valid answer from PHP.' },
  { code: '503', retryable: true, description: 'Service unavailable (HTTP 503): the shop is down or in maintenance.' },
  { code: '504', retryable: true, shrinksPage: true, description: 'Gateway timeout (HTTP 504): PHP took longer than the proxy in front of the shop allows.' },
  { code: 'collector_0', retryable: true, description: "The shop could not reach psif's collector to upload the page (DNS, firewall or TLS on the shop's side: check proxy_api_url in config.php)." },
  { code: 'collector_400', retryable: true, description: "psif's collector rejected the page the shop uploaded (invalid lines; the upload log names them)." },
  { code: 'collector_401', retryable: true, description: "psif's collector refused the shop's token (expired, revoked, or from an issuer psif does not trust)." },
  { code: 'collector_403', retryable: true, description: "psif's collector refused the upload: the job belongs to another shop." },
  { code: 'collector_404', retryable: true, description: "psif's collector did not know the job or it had expired." },
  { code: 'collector_413', retryable: true, shrinksPage: true, description: "The page was larger than psif's collector accepts (PSIF_UPLOAD_MAX_BYTES)." },
  { code: 'collector_500', retryable: true, description: "psif's collector failed to store the page (see psif's log)." },
  { code: 'timeout', retryable: true, shrinksPage: true, description: 'The shop did not answer in time (PSIF_SYNC_REQUEST_TIMEOUT_MS).' },
  { code: 'connection_refused', retryable: true, description: 'The shop refused the connection: nothing listens at its URL.' },
  { code: 'connection_reset', retryable: true, shrinksPage: true, description: 'The connection to the shop was closed before a complete answer.' },
  { code: 'dns_error', retryable: true, description: "The shop's host name does not resolve." },
  { code: 'tls_error', retryable: true, description: "The shop's TLS certificate or handshake was refused." },
  { code: 'network_error', retryable: true, description: 'Another network failure while calling the shop.' },
  { code: 'invalid_json', retryable: true, description: 'The shop answered something that is not JSON (a PHP error page, a maintenance page, a redirect to a login form).' },
  { code: 'invalid_reply', retryable: true, description: 'The shop answered JSON that is not an apiShopContent reply (a different module version or a proxy page).' },
];

export const ERROR_CODES: ReadonlyMap<string, ErrorCodeInfo> = new Map(entries.map((e) => [e.code, e]));

/** Any code, including HTTP statuses and collector statuses without their own entry. */
export function errorCodeInfo(code: string): ErrorCodeInfo {
  const known = ERROR_CODES.get(code);
  if (known) return known;
  const collector = /^collector_(\d{1,3})$/.exec(code);
  if (collector) return { code, retryable: true, description: `psif's collector answered the shop's upload with HTTP ${collector[1]}.` };
  if (/^\d{3}$/.test(code)) return { code, retryable: true, shrinksPage: code.startsWith('5'), description: `The shop answered HTTP ${code}.` };
  return { code, retryable: true, description: code };
}

/** The markdown table of the codes, for OpenAPI descriptions and docs. */
export function errorCodeTable(): string {
  const rows = entries.map((e) => `| \`${e.code}\` | ${e.description} | ${e.retryable ? 'yes' : 'no'} |`);
  return [
    '| code | meaning | retried |',
    '|---|---|---|',
    ...rows,
    '| any other HTTP status, e.g. `520` | The shop answered that status. | yes |',
    "| `collector_<status>` | psif's collector answered the shop's upload with that status. | yes |",
  ].join('\n');
}
