import type { FastifyReply, FastifyRequest } from 'fastify';
import { marked } from 'marked';
import { ApiError } from '../platform/http/api-error.js';
import { API_FAMILIES, type ApiFamily, REFERENCE_PATH, referencePath } from '../platform/http/openapi.js';
import type { App } from '../platform/http/server.js';
import { PORTAL_CSS, PORTAL_JS } from './assets.js';
import { GUIDES_INDEX_PATH, type Library, type Page, escapeHtml, loadLibrary } from './guides.js';

/**
 * The developer portal: /docs (landing), /docs/guides/{slug} and /docs/topics/{slug} (Markdown of docs/,
 * rendered once at startup), their stylesheet and script, and redirects from the URLs /docs had when it was
 * Swagger UI. The API reference itself (Swagger UI) is registered with the OpenAPI documents, at
 * /docs/reference.
 */

const CSS_PATH = '/docs/assets/portal.css';
const JS_PATH = '/docs/assets/portal.js';
const CONSOLE_PATH = '/console';

/** No inline script or style, nothing from another origin. */
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

export async function portalRoutes(app: App): Promise<void> {
  const library = loadLibrary();
  const pages = new Map<string, string>();
  let landing = '';
  // Pages link the console only when this server serves it (the portal never links to a 404), which is
  // known once every plugin is registered.
  app.addHook('onReady', async () => {
    const consoleServed = ['/console', '/console/', '/console/*'].some((url) => app.hasRoute({ method: 'GET', url }));
    for (const page of [library.guidesIndex, ...library.guides, ...library.topics]) pages.set(page.path, documentPage(library, page, { console: consoleServed }));
    landing = landingPage(library, { console: consoleServed });
  });

  const hide = { schema: { hide: true } };

  app.get('/docs', hide, (_request, reply) => sendHtml(reply, landing));
  app.get('/docs/', hide, (_request, reply) => sendHtml(reply, landing));
  app.get(GUIDES_INDEX_PATH, hide, (_request, reply) => sendHtml(reply, pages.get(GUIDES_INDEX_PATH)!));
  app.get(`${GUIDES_INDEX_PATH}/`, hide, (_request, reply) => sendHtml(reply, pages.get(GUIDES_INDEX_PATH)!));
  // The topics have no page of their own: the landing page lists them.
  app.get('/docs/topics', hide, (_request, reply) => reply.redirect('/docs#topics', 302));
  app.get<{ Params: { slug: string } }>('/docs/guides/:slug', hide, (request, reply) => {
    const page = library.guide(request.params.slug);
    if (!page) throw ApiError.notFound('guide_not_found', `no guide "${request.params.slug}"; guides: ${library.guides.map((g) => g.slug).join(', ')}`);
    return sendHtml(reply, pages.get(page.path)!);
  });
  app.get<{ Params: { slug: string } }>('/docs/topics/:slug', hide, (request, reply) => {
    const page = library.topic(request.params.slug);
    if (!page) throw ApiError.notFound('topic_not_found', `no topic "${request.params.slug}"; topics: ${library.topics.map((t) => t.slug).join(', ')}`);
    return sendHtml(reply, pages.get(page.path)!);
  });
  app.get(CSS_PATH, hide, (_request, reply) => reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=300').send(PORTAL_CSS));
  app.get(JS_PATH, hide, (_request, reply) => reply.type('application/javascript; charset=utf-8').header('cache-control', 'public, max-age=300').send(PORTAL_JS));

  // /docs was Swagger UI: its assets and spec URLs now live under the reference's prefix.
  const moved = (request: FastifyRequest, reply: FastifyReply) => reply.redirect(`${REFERENCE_PATH}${request.url.slice('/docs'.length)}`, 301);
  app.get('/docs/static/*', hide, moved);
  app.get('/docs/json', hide, moved);
  app.get('/docs/yaml', hide, moved);
}

function sendHtml(reply: FastifyReply, body: string): FastifyReply {
  return reply.header('content-security-policy', CSP).type('text/html; charset=utf-8').send(body);
}

function layout(options: { title: string; body: string; nav?: string; scripts?: string[]; console?: boolean }): string {
  const scripts = (options.scripts ?? []).map((src) => `<script src="${src}"></script>`).join('');
  const main = options.nav ? `<div class="layout"><nav aria-label="Documentation">${options.nav}</nav><main>${options.body}</main></div>` : `<main class="wide">${options.body}</main>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(options.title)}</title>
<link rel="stylesheet" href="${CSS_PATH}">
${scripts}
</head>
<body>
<header class="top"><a class="brand" href="/docs">psif developer portal</a><nav aria-label="Portal">` +
    `<a href="${REFERENCE_PATH}">API reference</a><a href="${GUIDES_INDEX_PATH}">Guides</a>${options.console ? `<a href="${CONSOLE_PATH}">Console</a>` : ''}</nav></header>
${main}
</body>
</html>
`;
}

function sideNav(library: Library, current: string): string {
  const item = (page: Page) => `<li><a href="${page.path}"${page.path === current ? ' aria-current="page"' : ''}>${escapeHtml(page.title)}</a></li>`;
  return `<h2>Guides</h2><ul>${library.guides.map(item).join('')}</ul><h2>Topics</h2><ul>${library.topics.map(item).join('')}</ul>` +
    `<h2>Reference</h2><ul>${families().map((family) => `<li><a href="${referencePath(family)}">${family}</a></li>`).join('')}</ul>`;
}

function documentPage(library: Library, page: Page, options: { console: boolean }): string {
  return layout({ title: `${page.title} · psif`, nav: sideNav(library, page.path), body: `<article>${page.html}</article>`, console: options.console });
}

function families(): ApiFamily[] {
  return Object.keys(API_FAMILIES) as ApiFamily[];
}

/** A family's description up to its first sentence, as inline HTML (descriptions use Markdown code spans). */
function familySummary(family: ApiFamily): string {
  const firstParagraph = API_FAMILIES[family].split('\n\n')[0]!;
  const sentence = /^.*?\.(?=\s|$)/.exec(firstParagraph)?.[0] ?? firstParagraph;
  return marked.parseInline(sentence, { async: false });
}

function landingPage(library: Library, options: { console: boolean }): string {
  const card = (title: string, href: string, text: string, extra = '') => `<li><h3><a href="${href}">${title}</a></h3><p>${text}</p>${extra}</li>`;
  const body = `
<h1>psif developer portal</h1>
<p class="lead">psif is an open-source, self-hostable server for the PrestaShop Integration Framework APIs: OAuth2 tokens,
CloudSync ingestion from the <code>ps_eventbus</code> module, the Raw, Reporting and Sync APIs over the shops' data, and
the Billing API with signed webhooks. Everything below is served by this server.</p>

<h2 id="guides">Guides</h2>
<ul class="cards">${library.guides.map((guide) => card(escapeHtml(guide.title), guide.path, escapeHtml(guide.summary))).join('')}</ul>

<h2 id="reference">API reference</h2>
<p>Every API family in Swagger UI, with try-it: <strong>Authorize</strong> with your client id and secret (OAuth2 client
credentials) and send real requests. Each family is also an OpenAPI 3.0 document and a Postman collection with the
token request preconfigured.</p>
<ul class="cards">${families()
    .map((family) => card(family, referencePath(family), familySummary(family), `<p class="links"><a href="${referencePath(family)}">Reference</a><a href="/openapi/${family}.json">OpenAPI</a><a href="/postman/${family}.json">Postman</a></p>`))
    .join('')}
${card('All APIs', referencePath('All APIs'), 'Every family in one document.', '<p class="links"><a href="/openapi.json">OpenAPI</a></p>')}</ul>

<h2 id="topics">Topics</h2>
<p>How each part of psif works, in detail: the same pages as <code>docs/</code> in the repository.</p>
<ul class="cards">${library.topics.map((topic) => card(escapeHtml(topic.title), topic.path, escapeHtml(truncate(topic.summary, 180)))).join('')}</ul>
${options.console ? `
<h2 id="console">Console</h2>
<p><a href="${CONSOLE_PATH}">The console</a>: psif's web interface for operators and vendors.</p>` : ''}
`;
  return layout({ title: 'psif developer portal', body, scripts: [JS_PATH], console: options.console });
}

function truncate(text: string, length: number): string {
  return text.length <= length ? text : `${text.slice(0, text.lastIndexOf(' ', length))}…`;
}
