import type { ApiFamily, OpenApiDocument } from './openapi.js';

/**
 * Postman collections of psif's API families, converted from the same OpenAPI documents as
 * `/openapi/{family}.json`, then made runnable as they are: OAuth2 client credentials at collection level,
 * path parameters as collection variables, every optional query parameter disabled.
 */

interface PostmanVariable {
  key: string;
  value?: unknown;
  type?: string;
  description?: unknown;
  disabled?: boolean;
}

interface PostmanAuth {
  type: string;
  [parameters: string]: unknown;
}

interface PostmanRequest {
  auth?: PostmanAuth | null;
  url?: { path?: string[]; query?: PostmanVariable[]; variable?: PostmanVariable[] };
  [key: string]: unknown;
}

interface PostmanItem {
  name: string;
  item?: PostmanItem[];
  request?: PostmanRequest;
  response?: { originalRequest?: PostmanRequest }[];
  [key: string]: unknown;
}

interface PostmanCollection {
  info: { name: string; schema: string; [key: string]: unknown };
  item: PostmanItem[];
  auth?: PostmanAuth;
  event?: { listen: 'prerequest' | 'test'; script: { type: string; exec: string[] } }[];
  variable?: PostmanVariable[];
  [key: string]: unknown;
}

/** Variables of the OAuth2 client and of its cached token: path parameters may not take these names. */
const CREDENTIAL_VARIABLES = ['clientId', 'clientSecret', 'accessToken', 'accessTokenExpiresAt'] as const;

const CONVERSION_OPTIONS = {
  // One folder per path segment: the Raw API gets a folder per content holding its list and item requests.
  folderStrategy: 'Paths',
  requestParametersResolution: 'Example',
  exampleParametersResolution: 'Example',
  // Optional query parameters are listed but disabled: the Raw API's filters all sent at once match nothing.
  enableOptionalParameters: false,
} as const;

/**
 * Postman's OAuth 2.0 helper stores these settings and fetches tokens itself ("Get New Access Token");
 * newman never fetches one, it only signs with `accessToken`. Both read `accessToken` from the variable
 * that TOKEN_SCRIPT keeps fresh.
 */
const OAUTH2_CLIENT_CREDENTIALS: PostmanAuth = {
  type: 'oauth2',
  oauth2: [
    { key: 'grant_type', value: 'client_credentials', type: 'string' },
    { key: 'accessTokenUrl', value: '{{baseUrl}}/oauth2/token', type: 'string' },
    { key: 'clientId', value: '{{clientId}}', type: 'string' },
    { key: 'clientSecret', value: '{{clientSecret}}', type: 'string' },
    { key: 'client_authentication', value: 'header', type: 'string' },
    { key: 'tokenName', value: 'psif', type: 'string' },
    { key: 'addTokenTo', value: 'header', type: 'string' },
    { key: 'headerPrefix', value: 'Bearer', type: 'string' },
    { key: 'accessToken', value: '{{accessToken}}', type: 'string' },
  ],
};

/** The token endpoint's own auth: RFC 6749 §2.3.1 client credentials as HTTP Basic. */
const CLIENT_SECRET_BASIC: PostmanAuth = {
  type: 'basic',
  basic: [
    { key: 'username', value: '{{clientId}}', type: 'string' },
    { key: 'password', value: '{{clientSecret}}', type: 'string' },
  ],
};

/**
 * Collection-level pre-request script (Postman sandbox JavaScript), so that the collection runs unchanged
 * in Postman and in newman: for the requests that inherit the collection's OAuth2 auth, it fetches a
 * client-credentials token with {{clientId}}/{{clientSecret}} when none is cached or the cached one is
 * about to expire, and caches it in the `accessToken`/`accessTokenExpiresAt` collection variables, which
 * the OAuth 2.0 auth signs with. It also sets the bearer header itself, for when a Postman user has
 * replaced the helper's token field. Clear `accessToken` after changing clientId to drop the previous
 * client's token. A failed token request is reported as a failed test: an error thrown in a
 * pm.sendRequest callback reaches neither newman's failures nor Postman's test results.
 */
const TOKEN_SCRIPT = String.raw`(function () {
  var auth = pm.request.auth;
  if (auth && auth.type !== 'oauth2') return; // basic (token endpoint) or noauth (health, discovery)
  var bearer = function (token) { pm.request.headers.upsert({ key: 'Authorization', value: 'Bearer ' + token }); };
  var cached = pm.collectionVariables.get('accessToken');
  var expiresAt = Number(pm.collectionVariables.get('accessTokenExpiresAt')) || 0;
  if (cached && Date.now() < expiresAt - 30000) return bearer(cached);
  // RFC 6749 §2.3.1: each part form-encoded, then Basic-encoded.
  var formEncode = function (value) { return encodeURIComponent(value || '').replace(/%20/g, '+'); };
  var basic = require('btoa')(formEncode(pm.variables.get('clientId')) + ':' + formEncode(pm.variables.get('clientSecret')));
  pm.sendRequest({
    url: pm.variables.replaceIn('{{baseUrl}}/oauth2/token'),
    method: 'POST',
    header: [
      { key: 'Authorization', value: 'Basic ' + basic },
      { key: 'Content-Type', value: 'application/x-www-form-urlencoded' },
    ],
    body: { mode: 'urlencoded', urlencoded: [{ key: 'grant_type', value: 'client_credentials' }] },
  }, function (error, response) {
    if (error || response.code !== 200) {
      var reason = error ? error.message : response.code + ' ' + response.text();
      return pm.test('psif: OAuth2 client-credentials token', function () { throw new Error('token request failed: ' + reason); });
    }
    var body = response.json();
    pm.collectionVariables.set('accessToken', body.access_token);
    pm.collectionVariables.set('accessTokenExpiresAt', String(Date.now() + body.expires_in * 1000));
    bearer(body.access_token);
  });
})();`;

/** Converted collections by family, as JSON text: the OpenAPI documents do not change while the server runs. */
export function postmanCollections(publicUrl: string): { json(family: ApiFamily, document: () => OpenApiDocument): Promise<string> } {
  const cache = new Map<ApiFamily, Promise<string>>();
  return {
    json(family, document) {
      let cached = cache.get(family);
      if (!cached) {
        cached = postmanCollection(document(), publicUrl).then((collection) => JSON.stringify(collection));
        // A failed conversion is not cached: the next request tries again (and reports its own error).
        cached.catch(() => cache.delete(family));
        cache.set(family, cached);
      }
      return cached;
    },
  };
}

async function postmanCollection(document: OpenApiDocument, publicUrl: string): Promise<PostmanCollection> {
  const collection = await convertDocument(withDefaultedParametersOptional(document));
  const pathVariables = new Map<string, PostmanVariable>();
  forEachRequestItem(collection.item, (item, request) => {
    useCollectionCredentials(request);
    usePathVariables(request, pathVariables);
    for (const example of item.response ?? []) if (example.originalRequest) usePathVariables(example.originalRequest, pathVariables);
  });
  collection.auth = OAUTH2_CLIENT_CREDENTIALS;
  collection.event = [{ listen: 'prerequest', script: { type: 'text/javascript', exec: TOKEN_SCRIPT.split('\n') } }];
  collection.variable = [
    { key: 'baseUrl', value: publicUrl, type: 'string' },
    ...CREDENTIAL_VARIABLES.map((key) => ({ key, value: '', type: 'string' })),
    ...pathVariables.values(),
  ];
  return collection;
}

/**
 * A copy in which query parameters with a default are optional, as they are for a client (the server
 * fills them in): TypeBox marks them required, which would make the converter enable them. A copy also
 * because the converter may change what it is given, and @fastify/swagger caches its document.
 */
function withDefaultedParametersOptional(document: OpenApiDocument): OpenApiDocument {
  const copy = structuredClone(document);
  for (const operations of Object.values(copy.paths ?? {})) {
    for (const operation of Object.values(operations) as { parameters?: { in: string; required?: boolean; schema?: { default?: unknown } }[] }[]) {
      for (const parameter of operation.parameters ?? []) {
        if (parameter.in === 'query' && parameter.schema?.default !== undefined) parameter.required = false;
      }
    }
  }
  return copy;
}

/**
 * The converter is loaded on the first collection asked for: with its dependencies it holds ~12 MB of heap
 * (and reads ~9 MB of sources) that a server nobody asks for a collection should not carry.
 */
async function convertDocument(document: OpenApiDocument): Promise<PostmanCollection> {
  const { convert } = await import('openapi-to-postmanv2');
  return new Promise((resolve, reject) => {
    convert({ type: 'json', data: document }, CONVERSION_OPTIONS, (error, result) => {
      const collection = result?.result ? result.output?.[0]?.data : undefined;
      if (error || !collection) reject(new Error(`OpenAPI to Postman conversion failed: ${error?.message ?? result?.reason ?? 'no collection'}`));
      else resolve(collection as PostmanCollection);
    });
  });
}

function forEachRequestItem(items: PostmanItem[], visit: (item: PostmanItem, request: PostmanRequest) => void): void {
  for (const item of items) {
    if (item.item) forEachRequestItem(item.item, visit);
    if (item.request) visit(item, item.request);
  }
}

/** Path parameters take collection variables (filled once, e.g. shopId) instead of made-up example values. */
function usePathVariables(request: PostmanRequest, variables: Map<string, PostmanVariable>): void {
  const path = request.url?.path ?? [];
  for (const parameter of request.url?.variable ?? []) {
    const name = pathVariableName(parameter.key, path);
    parameter.value = `{{${name}}}`;
    if (!variables.has(name)) variables.set(name, { key: name, value: '', type: 'string', description: parameter.description });
  }
}

/**
 * The variable of a path parameter: its own name, except that a bare `id` or `name` is named after the
 * segment before it (`/products/:id` → productsId: one variable per content, not one shared by all), and
 * that a parameter named like a credential gets a `target` prefix (DELETE /admin/v1/clients/:clientId
 * must not default to the caller's own client).
 */
function pathVariableName(parameter: string, path: string[]): string {
  if (parameter === 'id' || parameter === 'name') {
    const segment = path[path.indexOf(`:${parameter}`) - 1];
    if (segment && !segment.startsWith(':')) return `${camelCase(segment)}${capitalize(parameter)}`;
  }
  if ((CREDENTIAL_VARIABLES as readonly string[]).includes(parameter) || parameter === 'baseUrl') return `target${capitalize(parameter)}`;
  return parameter;
}

function camelCase(segment: string): string {
  return segment.replace(/[-_.]+(\w)/g, (_, letter: string) => letter.toUpperCase());
}

function capitalize(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}

/**
 * Bearer operations inherit the collection's OAuth2 auth; HTTP Basic ones (the token endpoint and its
 * siblings) send the same client credentials; operations without security send none, so that they do not
 * inherit the collection's auth (and its pre-request token fetch).
 */
function useCollectionCredentials(request: PostmanRequest): void {
  switch (request.auth?.type) {
    case 'bearer':
    case 'oauth2':
      delete request.auth;
      break;
    case 'basic':
      request.auth = CLIENT_SECRET_BASIC;
      break;
    case undefined:
      request.auth = { type: 'noauth' };
      break;
  }
}
