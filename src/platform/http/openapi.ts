import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { BILLING_SCOPES } from '../../billing/billing-access.js';
import { billingErrorTable } from '../../billing/billing-errors.js';
import { ApiError } from './api-error.js';
import { postmanCollections } from './postman.js';
import type { App } from './server.js';

/** API families: each route's first tag names its family, and each family gets its own document. */
export const API_FAMILIES = {
  auth: 'OAuth2 authorization server: tokens, discovery, keys, introspection, revocation.',
  admin: 'Operator API: clients, signing keys, shops, modules, sync jobs (admin tokens).',
  cloudsync: 'Shop-facing CloudSync protocol, wire-compatible with ps_eventbus: job validation, NDJSON uploads, live sync, shop registration and consents (shop tokens).',
  raw: 'Expose Raw API: every synced table of the shops that consented to your modules (vendor tokens).',
  billing: `Billing API: products and plans, customers, subscriptions and their lifecycle, invoices, estimates, sandbox and test clocks. Send \`sandbox: true\` (header) or \`?sandbox=true\` for sandbox data. Errors are \`{statusCode, errorCode, message}\`:\n\n${billingErrorTable()}`,
  reporting: 'Reporting API and Sync API: sync setup, summaries, onboarding, job history, sync state, error statistics; sync triggers (vendor tokens).',
  ops: 'Health, readiness and Prometheus metrics.',
} as const;
export type ApiFamily = keyof typeof API_FAMILIES;

export type OpenApiDocument = {
  openapi: string;
  info: Record<string, unknown>;
  paths?: Record<string, Record<string, { tags?: string[] }>>;
  tags?: { name: string }[];
  components?: Record<string, unknown>;
  [key: string]: unknown;
};

export async function registerOpenApi(app: App, options: { publicUrl: string; version: string }): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'psif',
        version: options.version,
        description: 'Self-hostable PrestaShop Integration Framework APIs.',
        license: { name: 'MIT', url: 'https://opensource.org/licenses/MIT' },
        contact: { name: 'psif', url: `${options.publicUrl}/docs` },
      },
      servers: [{ url: options.publicUrl }],
      tags: Object.entries(API_FAMILIES).map(([name, description]) => ({ name, description })),
      components: {
        securitySchemes: {
          clientSecretBasic: { type: 'http', scheme: 'basic', description: 'client_id and client_secret, form-encoded then Basic-encoded (RFC 6749 §2.3.1).' },
          billingApiKey: { type: 'apiKey', in: 'header', name: 'X-BILLING-API-KEY', description: 'A billing API key (psif billing api-keys create): the internal quantity routes only.' },
          bearerToken: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'An access token from POST /oauth2/token.' },
          oauth2: {
            type: 'oauth2',
            description: 'Client credentials grant. Only the Billing API checks scopes; tick those your client is allowed.',
            // Listed so that the API reference's Authorize dialog offers them; other APIs need no scope.
            flows: { clientCredentials: { tokenUrl: `${options.publicUrl}/oauth2/token`, scopes: { ...BILLING_SCOPES } } },
          },
        },
      },
    },
    refResolver: { buildLocalReference: (json, _base, _fragment, i) => String(json.$id ?? `def-${i}`) },
    transform: ({ schema, url }) => ({ schema: withDefaultedQueryOptional(schema as RouteSchema), url }),
  });

  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  const document = (family: ApiFamily) => familyDocument(app.swagger() as unknown as OpenApiDocument, family);
  app.get<{ Params: { family: string } }>('/openapi/:family.json', { schema: { hide: true } }, async (request) => document(apiFamily(request.params.family)));
  const collections = postmanCollections(options.publicUrl);
  app.get<{ Params: { family: string } }>('/postman/:family.json', { schema: { hide: true } }, async (request, reply) => {
    const family = apiFamily(request.params.family);
    return reply.type('application/json; charset=utf-8').send(await collections.json(family, () => document(family)));
  });

  await app.register(swaggerUi, {
    routePrefix: REFERENCE_PATH,
    staticCSP: true,
    // /docs/reference?family=raw is the short deep link to a family; Swagger UI itself reads urls.primaryName.
    uiHooks: {
      onRequest: (request, reply, done) => {
        const family = (request.query as Record<string, unknown>).family;
        if (typeof family !== 'string' || request.url.split('?')[0]!.replace(/\/$/, '') !== REFERENCE_PATH) return done();
        if (!Object.hasOwn(API_FAMILIES, family)) return done(apiFamilyError(family));
        void reply.redirect(referencePath(family as ApiFamily), 302);
      },
    },
    theme: { title: 'psif API reference', js: [{ filename: 'psif-reference.js', content: REFERENCE_SCRIPT }] },
    uiConfig: {
      urls: [
        { url: '/openapi.json', name: ALL_APIS },
        ...Object.keys(API_FAMILIES).map((family) => ({ url: `/openapi/${family}.json`, name: family })),
      ],
      deepLinking: true,
      tryItOutEnabled: true,
      // A token must not outlive the tab in localStorage: Authorize again after a reload.
      persistAuthorization: false,
    } as Record<string, unknown>,
  });
}

/** Where Swagger UI serves the API reference (the portal's landing page is /docs). */
export const REFERENCE_PATH = '/docs/reference';
const ALL_APIS = 'All APIs';

/** The API reference opened on one family's document (Swagger UI reads `urls.primaryName` from the query). */
export function referencePath(family: ApiFamily | typeof ALL_APIS): string {
  return `${REFERENCE_PATH}?urls.primaryName=${encodeURIComponent(family)}`;
}

/**
 * Loaded after Swagger UI's initializer (a file: the CSP forbids inline scripts). psif's operations declare
 * the `bearerToken` scheme, so Swagger UI would not send the token its Authorize dialog gets with the
 * `oauth2` client-credentials scheme. This wraps SwaggerUIBundle with a request interceptor that adds that
 * token as the bearer token to same-origin requests that carry no Authorization header of their own.
 */
const REFERENCE_SCRIPT = String.raw`(function () {
  var original = window.SwaggerUIBundle;
  if (!original) return;
  function SwaggerUIBundleWithOAuth2(config) {
    var ui;
    var previous = config.requestInterceptor;
    config.requestInterceptor = function (request) {
      if (previous) request = previous(request);
      var headers = request.headers || (request.headers = {});
      var url = new URL(request.url, window.location.href);
      var hasAuthorization = Object.keys(headers).some(function (name) { return name.toLowerCase() === 'authorization'; });
      if (ui && !hasAuthorization && url.origin === window.location.origin && url.pathname !== '/oauth2/token') {
        var token = ui.authSelectors.authorized().getIn(['oauth2', 'token', 'access_token']);
        if (token) headers.Authorization = 'Bearer ' + token;
      }
      return request;
    };
    ui = original(config);
    return ui;
  }
  Object.assign(SwaggerUIBundleWithOAuth2, original);
  window.SwaggerUIBundle = SwaggerUIBundleWithOAuth2;
})();
`;

type RouteSchema = { querystring?: { properties?: Record<string, { default?: unknown }>; required?: string[] }; [key: string]: unknown };

/**
 * A query parameter with a default is optional for a client: the server fills it in. TypeBox lists it as
 * required (the property is not wrapped in Optional so that handlers see the defaulted value), which would
 * make typed clients and Postman send it. The copy leaves the validation schema as it is.
 */
function withDefaultedQueryOptional(schema: RouteSchema): RouteSchema {
  const query = schema?.querystring;
  if (!query?.required || !query.properties) return schema;
  const properties = query.properties;
  return { ...schema, querystring: { ...query, required: query.required.filter((name) => properties[name]?.default === undefined) } };
}

/** The family a URL names: 404 unknown_family for any other name (own keys only, not "constructor"). */
function apiFamily(name: string): ApiFamily {
  if (!Object.hasOwn(API_FAMILIES, name)) throw apiFamilyError(name);
  return name as ApiFamily;
}

function apiFamilyError(name: string): ApiError {
  return ApiError.notFound('unknown_family', `no API family "${name}"; known: ${Object.keys(API_FAMILIES).join(', ')}`);
}

/** The combined document restricted to one family's paths, keeping the shared components. */
function familyDocument(all: OpenApiDocument, family: ApiFamily): OpenApiDocument {
  const paths: NonNullable<OpenApiDocument['paths']> = {};
  for (const [path, operations] of Object.entries(all.paths ?? {})) {
    const kept = Object.fromEntries(Object.entries(operations).filter(([, op]) => op.tags?.[0] === family));
    if (Object.keys(kept).length > 0) paths[path] = kept;
  }
  return {
    ...all,
    info: { ...all.info, title: `psif ${family} API`, description: API_FAMILIES[family] },
    tags: (all.tags ?? []).filter((tag) => tag.name === family),
    paths,
  };
}
