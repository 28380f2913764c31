import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
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
            description: 'Client credentials grant.',
            flows: { clientCredentials: { tokenUrl: `${options.publicUrl}/oauth2/token`, scopes: {} } },
          },
        },
      },
    },
    refResolver: { buildLocalReference: (json, _base, _fragment, i) => String(json.$id ?? `def-${i}`) },
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
    routePrefix: '/docs',
    staticCSP: true,
    uiConfig: {
      urls: [
        { url: '/openapi.json', name: 'All APIs' },
        ...Object.keys(API_FAMILIES).map((family) => ({ url: `/openapi/${family}.json`, name: family })),
      ],
      deepLinking: true,
      tryItOutEnabled: true,
    } as Record<string, unknown>,
  });
}

/** The family a URL names: 404 unknown_family for any other name (own keys only, not "constructor"). */
function apiFamily(name: string): ApiFamily {
  if (!Object.hasOwn(API_FAMILIES, name)) throw ApiError.notFound('unknown_family', `no API family "${name}"; known: ${Object.keys(API_FAMILIES).join(', ')}`);
  return name as ApiFamily;
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
