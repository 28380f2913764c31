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
  method?: string;
  url?: { path?: string[]; query?: PostmanVariable[]; variable?: PostmanVariable[] };
  header?: PostmanVariable[];
  body?: { mode?: string; raw?: string; [key: string]: unknown };
  [key: string]: unknown;
}

interface PostmanEvent {
  listen: 'prerequest' | 'test';
  script: { type: string; exec: string[] };
}

interface PostmanItem {
  name: string;
  item?: PostmanItem[];
  request?: PostmanRequest;
  event?: PostmanEvent[];
  response?: { originalRequest?: PostmanRequest }[];
  [key: string]: unknown;
}

interface PostmanCollection {
  info: { name: string; schema: string; [key: string]: unknown };
  item: PostmanItem[];
  auth?: PostmanAuth;
  event?: PostmanEvent[];
  variable?: PostmanVariable[];
  [key: string]: unknown;
}

/** Variables of the OAuth2 client and of its cached token: path parameters may not take these names. */
const CREDENTIAL_VARIABLES = ['clientId', 'clientSecret', 'accessToken', 'accessTokenExpiresAt'] as const;

/** Space-separated scopes the token is asked for; empty asks for none (the Billing API needs its scopes). */
const SCOPE_VARIABLE: PostmanVariable = { key: 'scope', value: '', type: 'string', description: 'Scopes to ask for, space-separated (Billing API: e.g. "product.read customer.read subscription.read invoices.read"); empty: none' };

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
    { key: 'scope', value: '{{scope}}', type: 'string' },
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
    body: { mode: 'urlencoded', urlencoded: [{ key: 'grant_type', value: 'client_credentials' }].concat(
      pm.variables.get('scope') ? [{ key: 'scope', value: pm.variables.get('scope') }] : []) },
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
  // A copy: the converter may change what it is given, and @fastify/swagger caches its document.
  const collection = await convertDocument(structuredClone(document));
  const pathVariables = new Map<string, PostmanVariable>();
  const items: { item: PostmanItem; request: PostmanRequest }[] = [];
  forEachRequestItem(collection.item, (item, request) => {
    useCollectionCredentials(request);
    usePathVariables(request, pathVariables);
    for (const example of item.response ?? []) if (example.originalRequest) usePathVariables(example.originalRequest, pathVariables);
    items.push({ item, request });
  });
  const resources = resourceVariables(items.map(({ request }) => request));
  const settings = new Map<string, PostmanVariable>();
  for (const { item, request } of items) {
    const created = createdResource(request, resources, pathVariables);
    useVariablesInBody(request, created, pathVariables);
    useFormExample(request, formExample(document, request));
    if (request.url?.path?.join('/') === 'oauth2/token') captureToken(item);
    if (created) captureCreatedId(item, created);
    useSettingVariables(request, settings);
    dropMultipartContentType(request);
  }
  collection.auth = OAUTH2_CLIENT_CREDENTIALS;
  collection.event = [{ listen: 'prerequest', script: { type: 'text/javascript', exec: TOKEN_SCRIPT.split('\n') } }];
  collection.variable = [
    { key: 'baseUrl', value: publicUrl, type: 'string' },
    ...CREDENTIAL_VARIABLES.map((key) => ({ key, value: '', type: 'string' })),
    SCOPE_VARIABLE,
    ...settings.values(),
    ...pathVariables.values(),
  ];
  return collection;
}

/** A path variable and the parameter it fills: `{ variable: 'targetClientId', parameter: 'clientId' }`. */
interface ResourceVariable {
  variable: string;
  parameter: string;
}

/** Each collection path (`admin/v1/clients`) and the variable of the path parameter that follows it in the document. */
function resourceVariables(requests: PostmanRequest[]): Map<string, ResourceVariable> {
  const resources = new Map<string, ResourceVariable>();
  for (const request of requests) {
    const path = request.url?.path ?? [];
    for (const parameter of request.url?.variable ?? []) {
      const at = path.indexOf(`:${parameter.key}`);
      if (at > 0 && !path[at - 1]!.startsWith(':')) resources.set(path.slice(0, at).join('/'), { variable: String(parameter.value).slice(2, -2), parameter: parameter.key });
    }
  }
  return resources;
}

/**
 * The resource a POST creates, when the collection has a variable for its id: a POST to `…/clients` creates
 * what `…/clients/:clientId` reads, a POST to `…/customers/:customerId/subscriptions` a subscription
 * (`subscriptionId`). The parameter must name the collection (`shops` → shopId), so that a POST to
 * `…/subscriptions` followed elsewhere by `/:productId` is not taken for a product.
 */
function createdResource(request: PostmanRequest, resources: Map<string, ResourceVariable>, variables: Map<string, PostmanVariable>): ResourceVariable | undefined {
  const path = request.url?.path ?? [];
  const last = path[path.length - 1];
  if (request.method !== 'POST' || !last || last.startsWith(':')) return undefined;
  const resource = resources.get(path.join('/'));
  if (resource && (resource.parameter === 'name' || last.endsWith(`${resource.parameter.replace(/Id$/, '').toLowerCase()}s`))) return resource;
  const named = `${camelCase(last.replace(/s$/, ''))}Id`;
  return variables.has(named) ? { variable: named, parameter: named } : undefined;
}

/** Body properties a variable stands for: the shop's id where it is `shopId`, a plan where it is `planId`. */
const BODY_ALIASES: Readonly<Record<string, string>> = { planId: 'componentId' };

/**
 * A JSON body's top-level ids read the collection's variables, so that one value set once (shopId,
 * productId...) serves the path parameters and the bodies alike: a property named like a variable reads
 * it, and so does the `id` of a resource the request creates (POST /billing/v1/customers `id` → customerId).
 */
function useVariablesInBody(request: PostmanRequest, created: ResourceVariable | undefined, variables: Map<string, PostmanVariable>): void {
  // A PATCH body holds the new values (a plan change names the plan to move to, not the current one).
  if (request.method === 'PATCH' || request.body?.mode !== 'raw' || !request.body.raw) return;
  let body: unknown;
  try {
    body = JSON.parse(request.body.raw);
  } catch {
    return;
  }
  if (!body || typeof body !== 'object' || Array.isArray(body)) return;
  let changed = false;
  for (const [key, value] of Object.entries(body)) {
    if (typeof value !== 'string') continue;
    const variable = key === 'id' && created ? created.variable : variables.has(key) ? key : BODY_ALIASES[key] && variables.has(BODY_ALIASES[key]!) ? BODY_ALIASES[key] : undefined;
    if (!variable) continue;
    (body as Record<string, unknown>)[key] = `{{${variable}}}`;
    changed = true;
  }
  if (changed) request.body.raw = JSON.stringify(body, null, 2);
}

/**
 * After a successful POST that creates a resource, its id goes into the collection variable, so that the
 * next requests (read, change, delete) act on what the collection just created, in Postman's runner too.
 */
function captureCreatedId(item: PostmanItem, { variable, parameter }: ResourceVariable): void {
  const script = String.raw`(function () {
  if (pm.response.code !== 200 && pm.response.code !== 201) return;
  var body;
  try { body = pm.response.json(); } catch (e) { return; }
  if (!body || typeof body !== 'object') return;
  var candidates = [body[${JSON.stringify(parameter)}], body.item && body.item[${JSON.stringify(parameter)}], body.id, body.item && body.item.id];
  Object.keys(body).forEach(function (key) { if (body[key] && typeof body[key] === 'object') candidates.push(body[key][${JSON.stringify(parameter)}]); });
  var id = candidates.filter(function (value) { return typeof value === 'string' && value; })[0];
  if (id) pm.collectionVariables.set(${JSON.stringify(variable)}, id);
})();`;
  item.event = [...(item.event ?? []), { listen: 'test', script: { type: 'text/javascript', exec: script.split('\n') } }];
}

/**
 * Settings every request of a family shares become collection variables: the Billing API's `sandbox`
 * header reads {{sandbox}}, true by default (a collection to try things must not make live billing data),
 * and its internal routes' API key {{apiKey}}.
 */
function useSettingVariables(request: PostmanRequest, settings: Map<string, PostmanVariable>): void {
  for (const header of request.header ?? []) {
    if (header.key.toLowerCase() !== 'sandbox') continue;
    header.value = '{{sandbox}}';
    delete header.disabled;
    if (!settings.has('sandbox')) settings.set('sandbox', { key: 'sandbox', value: 'true', type: 'string', description: 'Billing: true for sandbox data (test cards and clocks), false for live data' });
  }
  if (request.auth?.type === 'apikey' && !settings.has('apiKey')) {
    settings.set('apiKey', { key: 'apiKey', value: '', type: 'string', description: 'A billing API key (psif billing api-keys create --vendor <name>) for the internal quantity routes' });
  }
}

/** The example of an operation's form body in the OpenAPI document, if it has one. */
function formExample(document: OpenApiDocument, request: PostmanRequest): Record<string, unknown> | undefined {
  const path = `/${(request.url?.path ?? []).map((s) => (s.startsWith(':') ? `{${s.slice(1)}}` : s)).join('/')}`;
  const operation = (document.paths?.[path] as Record<string, { requestBody?: { content?: Record<string, { example?: unknown }> } }> | undefined)?.[String(request.method).toLowerCase()];
  const example = operation?.requestBody?.content?.['application/x-www-form-urlencoded']?.example;
  return example && typeof example === 'object' ? (example as Record<string, unknown>) : undefined;
}

/**
 * Form parameters are all optional in the schema (the OAuth2 endpoints answer RFC 6749 errors themselves),
 * so the converter disables them all: those of the example are enabled, and a `token` to introspect or
 * revoke is the collection's own {{accessToken}} (the token request of the collection stores it).
 */
function useFormExample(request: PostmanRequest, example: Record<string, unknown> | undefined): void {
  const form = request.body?.mode === 'urlencoded' ? (request.body.urlencoded as PostmanVariable[] | undefined) : undefined;
  if (!form || !example) return;
  for (const parameter of form) {
    if (!(parameter.key in example)) continue;
    parameter.value = parameter.key === 'token' ? '{{accessToken}}' : String(example[parameter.key]);
    delete parameter.disabled;
  }
}

/** The token request keeps its answer as the collection's token, as the pre-request script would. */
function captureToken(item: PostmanItem): void {
  const script = String.raw`(function () {
  if (pm.response.code !== 200) return;
  var body = pm.response.json();
  pm.collectionVariables.set('accessToken', body.access_token);
  pm.collectionVariables.set('accessTokenExpiresAt', String(Date.now() + body.expires_in * 1000));
})();`;
  item.event = [...(item.event ?? []), { listen: 'test', script: { type: 'text/javascript', exec: script.split('\n') } }];
}

/** A fixed `multipart/form-data` header has no boundary: Postman and newman write the right one themselves. */
function dropMultipartContentType(request: PostmanRequest): void {
  if (request.body?.mode === 'formdata' && request.header) request.header = request.header.filter((h) => !(h.key.toLowerCase() === 'content-type' && String(h.value).startsWith('multipart/')));
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
