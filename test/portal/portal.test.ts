import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_FAMILIES } from '../../src/platform/http/openapi.js';
import { DOCS_DIR, GUIDE_BASE_URL, type RunnableBlock, loadLibrary, runnableBlocks } from '../../src/portal/guides.js';
import { chromiumMissing, launchChromium } from '../support/chromium.js';
import { createJob, fixture, fixtureFiles, registerShop, upload } from '../support/cloudsync.js';
import { type TestServer, freePort, startTestServer } from '../support/server.js';

/**
 * The developer portal over real HTTP: the landing page and every page it links, the guides and their links,
 * and the guides' marked commands run with bash against a seeded server (docs/guides/README.md says how
 * blocks are marked).
 */

const library = loadLibrary();
const families = Object.keys(API_FAMILIES);
const BILLING_SCOPES = ['product.read', 'product.write', 'customer.read', 'customer.write', 'subscription.read', 'subscription.write', 'invoices.read'];

let ts: TestServer;
let guideEnv: Record<string, string>;

beforeAll(async () => {
  ts = await startTestServer({ PSIF_WEBHOOK_POLL_MS: '100' });
  // The API role runs no workers; the webhook guide needs deliveries, so this server sends them.
  ts.server.core.webhooks.startDispatcher(ts.server.app.log, ts.server.metrics);
  const vendor = await ts.createClient({ kind: 'vendor', name: 'acme', scopes: BILLING_SCOPES });
  const admin = await ts.createClient({ kind: 'admin', name: 'ops' });
  await ts.server.core.shops.modules.create('ps_acme', 'acme');
  const shop = await registerShop(ts);
  await ts.server.core.shops.consents.replace(shop.shopId, 'ps_acme', ts.server.core.catalog.consents, 'test');
  const job = await createJob(ts, shop.shopId, { full: true });
  for (const file of fixtureFiles('9.1')) {
    const lines = fixture('9.1', file);
    if (lines.length > 0) expect((await upload(ts, job, lines, { token: shop.token })).status).toBe(201);
  }
  guideEnv = {
    CLIENT_ID: vendor.clientId,
    CLIENT_SECRET: vendor.clientSecret,
    SHOP_ID: shop.shopId,
    ADMIN_CLIENT_ID: admin.clientId,
    ADMIN_CLIENT_SECRET: admin.clientSecret,
  };
}, 60_000);
afterAll(async () => ts?.close());

async function page(url: string): Promise<{ status: number; html: string; headers: Headers }> {
  const response = await fetch(new URL(url, ts.url));
  return { status: response.status, html: await response.text(), headers: response.headers };
}

/** href and src attributes, entities decoded. */
function links(html: string): string[] {
  return [...html.matchAll(/\s(?:href|src)="([^"]*)"/g)].map((m) => m[1]!.replace(/&amp;/g, '&'));
}

const operationIds = new Map<string, Set<string>>();
async function operationsOf(family: string): Promise<Set<string>> {
  if (!operationIds.has(family)) {
    const doc = (await (await fetch(`${ts.url}/openapi/${family}.json`)).json()) as { paths: Record<string, Record<string, { operationId: string }>> };
    operationIds.set(family, new Set(Object.values(doc.paths).flatMap((ops) => Object.values(ops).map((op) => op.operationId))));
  }
  return operationIds.get(family)!;
}

/**
 * Problems with one link of a page: it must answer 200 (after redirects), and its fragment must name an
 * element of the target page, or for the API reference (`#/{family}/{operationId}`) an operation of that family.
 */
async function checkLink(from: string, href: string): Promise<string[]> {
  if (/^https?:/.test(href) && !href.startsWith(ts.url)) return [];
  const url = new URL(href, new URL(from, ts.url));
  const response = await fetch(url);
  const body = await response.text();
  // The console is another component, built by npm run build; unbuilt, it says so.
  const consoleUnbuilt = url.pathname.startsWith('/console') && response.status === 503 && body.includes('console_not_built');
  if (response.status !== 200 && !consoleUnbuilt) return [`${from} → ${href}: ${response.status}`];
  const fragment = decodeURIComponent(url.hash.slice(1));
  if (!fragment) return [];
  if (url.pathname === '/docs/reference') {
    const [, family, operationId] = fragment.split('/');
    return (await operationsOf(family!)).has(operationId!) ? [] : [`${from} → ${href}: no operation ${operationId} in ${family}`];
  }
  return body.includes(` id="${fragment}"`) ? [] : [`${from} → ${href}: no element #${fragment}`];
}

describe('/docs landing page', () => {
  it('links every family reference, document and collection, every guide and topic, and every link answers', async () => {
    const landing = await page('/docs');
    expect(landing.status).toBe(200);
    expect(landing.headers.get('content-type')).toMatch(/^text\/html/);
    expect(landing.headers.get('content-security-policy')).toMatch(/script-src 'self'/);
    const hrefs = links(landing.html);
    for (const family of families) {
      expect(hrefs).toContain(`/docs/reference?urls.primaryName=${family}`);
      expect(hrefs).toContain(`/openapi/${family}.json`);
      expect(hrefs).toContain(`/postman/${family}.json`);
    }
    expect(hrefs).toContain('/openapi.json');
    for (const guide of library.guides) expect(hrefs).toContain(`/docs/guides/${guide.slug}`);
    for (const topic of library.topics) expect(hrefs).toContain(`/docs/topics/${topic.slug}`);
    expect(library.guides.map((g) => g.slug)).toEqual(['getting-a-token', 'first-raw-api-call', 'connect-a-prestashop-shop', 'integrating-billing', 'verifying-webhooks']);
    // The console link is there exactly when this server serves the console.
    const consoleServed = (await fetch(`${ts.url}/console`)).status !== 404;
    expect(hrefs.includes('/console')).toBe(consoleServed);
    const problems: string[] = [];
    for (const href of new Set(hrefs)) problems.push(...(await checkLink('/docs', href)));
    expect(problems).toEqual([]);
    expect((await page('/docs/')).html).toBe(landing.html);
  });

  it('uses no script or stylesheet from elsewhere, and only the portal assets', async () => {
    const { html } = await page('/docs');
    const assets = [...html.matchAll(/<(?:script|link)\b[^>]*(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
    expect(assets.sort()).toEqual(['/docs/assets/portal.css', '/docs/assets/portal.js']);
    expect(html).not.toMatch(/<script>|<style|style="/);
    expect((await page('/docs/assets/portal.css')).headers.get('content-type')).toMatch(/^text\/css/);
  });
});

describe('guides and topics', () => {
  it.each([...library.guides, ...library.topics, library.guidesIndex].map((p) => [p.path, p] as const))('%s renders with its title, anchors, nav, and links that resolve', async (pathname, expected) => {
    const rendered = await page(pathname);
    expect(rendered.status).toBe(200);
    expect(rendered.headers.get('content-security-policy')).toMatch(/default-src 'none'/);
    expect(rendered.html).toContain(`<title>${expected.title.replace(/&/g, '&amp;').replace(/'/g, '&#39;')} · psif</title>`);
    expect(rendered.html).toMatch(/<h1 id="[^"]+"><a class="anchor" href="#[^"]+"/);
    for (const heading of expected.headings) expect(rendered.html).toContain(`id="${heading.id}"`);
    // The nav lists every guide.
    for (const guide of library.guides) expect(rendered.html).toContain(`href="${guide.path}"`);
    expect(rendered.html).not.toMatch(/<script|<style|style="/);
    expect(rendered.html).not.toContain('<!-- test');
    const problems: string[] = [];
    for (const href of new Set(links(rendered.html))) {
      if (/^https?:/.test(href)) {
        expect(href, 'portal pages link the serving server by path').not.toMatch(/localhost:8080/);
        continue;
      }
      problems.push(...(await checkLink(pathname, href)));
    }
    expect(problems).toEqual([]);
  });

  it('answers 404 with psif error shape for an unknown guide or topic', async () => {
    const response = await fetch(`${ts.url}/docs/guides/nope`);
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ statusCode: 404, code: 'guide_not_found', message: expect.stringContaining('getting-a-token') });
    const topic = await fetch(`${ts.url}/docs/topics/nope`);
    expect(topic.status).toBe(404);
    expect(await topic.json()).toMatchObject({ code: 'topic_not_found' });
  });

  it('renders the same Markdown files that are in docs/guides', () => {
    for (const guide of library.guides) expect(existsSync(new URL(`guides/${guide.slug}.md`, DOCS_DIR))).toBe(true);
  });
});

describe('the API reference', () => {
  it('keeps the old /docs URLs working by redirecting them to /docs/reference', async () => {
    const moved = await fetch(`${ts.url}/docs/static/swagger-initializer.js`, { redirect: 'manual' });
    expect(moved.status).toBe(301);
    expect(moved.headers.get('location')).toBe('/docs/reference/static/swagger-initializer.js');
    expect((await fetch(`${ts.url}/docs/json`)).status).toBe(200);
  });

  it('opens a family from ?family= and refuses an unknown one', async () => {
    const response = await fetch(`${ts.url}/docs/reference?family=raw`, { redirect: 'manual' });
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe('/docs/reference?urls.primaryName=raw');
    const unknown = await fetch(`${ts.url}/docs/reference?family=nope`);
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ code: 'unknown_family' });
  });
});

interface GuideRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** What each block printed, by block index. */
  outputs: string[];
}

const MARK = '::psif-guide-block::';

/** The marked blocks of a guide in one bash process, in a fresh directory, against the test server. */
async function runGuide(slug: string, blocks: RunnableBlock[]): Promise<GuideRun> {
  const port = await freePort();
  const localize = (code: string) => code.replaceAll(GUIDE_BASE_URL, ts.url).replaceAll('localhost:3000', `127.0.0.1:${port}`);
  const script = ['set -euo pipefail', ...blocks.map((block, i) => {
    const body = localize(block.code);
    if (block.file) return `echo '${MARK}${i}'\ncat > '${block.file}' <<'PSIF_BLOCK_EOF'\n${body}\nPSIF_BLOCK_EOF`;
    return `echo '${MARK}${i}'\n${body}`;
  })].join('\n');
  const dir = mkdtempSync(path.join(tmpdir(), `psif-guide-${slug}-`));
  writeFileSync(path.join(dir, 'guide.sh'), script);
  try {
    return await new Promise<GuideRun>((resolve, reject) => {
      const child = spawn('bash', ['guide.sh'], { cwd: dir, env: { ...process.env, ...guideEnv, PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
      child.on('error', reject);
      child.on('close', (code) => {
        clearTimeout(timer);
        const outputs: string[] = [];
        for (const part of stdout.split(MARK).slice(1)) {
          const newline = part.indexOf('\n');
          outputs[Number(part.slice(0, newline))] = part.slice(newline + 1);
        }
        resolve({ code, stdout, stderr, outputs });
      });
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('the guides commands work against a real server', () => {
  const guides = library.guides.map((guide) => [guide.slug, runnableBlocks(readFileSync(new URL(`guides/${guide.slug}.md`, DOCS_DIR), 'utf8'))] as const);

  it('marks commands in every guide that must be tested', () => {
    const counts = Object.fromEntries(guides.map(([slug, blocks]) => [slug, blocks.length]));
    for (const slug of ['getting-a-token', 'first-raw-api-call', 'integrating-billing', 'verifying-webhooks']) expect(counts[slug], slug).toBeGreaterThan(2);
  });

  it.each(guides.filter(([, blocks]) => blocks.length > 0))('%s: every marked block runs and prints what it expects', async (slug, blocks) => {
    const run = await runGuide(slug, blocks);
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
    blocks.forEach((block, i) => {
      expect(run.outputs[i], `block ${i} did not run:\n${run.stdout}\n${run.stderr}`).toBeDefined();
      if (block.expect) expect(run.outputs[i], `block ${i} of ${slug}:\n${block.code}\nstderr: ${run.stderr}`).toMatch(block.expect);
    });
  }, 90_000);
});

describe.skipIf(chromiumMissing)('the API reference in a browser', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => browser?.close());

  /** A page that records the requests it sends and its uncaught exceptions. */
  async function open() {
    const page = await browser.newPage();
    const exceptions: string[] = [];
    page.on('pageerror', (error) => exceptions.push(String(error)));
    const sent: { url: string; authorization?: string; body: string | null }[] = [];
    page.on('request', (request) => sent.push({ url: request.url(), authorization: request.headers().authorization, body: request.postData() }));
    return { page, exceptions, sent };
  }

  /** Swagger UI's Authorize dialog, oauth2 client credentials, with the scopes ticked. */
  async function authorize(page: Page, scopes: string[] = []) {
    await page.click('button.authorize');
    const oauth2 = page.locator('.auth-container').filter({ hasText: 'clientCredentials' });
    await oauth2.locator('#client_id_clientCredentials').fill(guideEnv.CLIENT_ID!);
    await oauth2.locator('#client_secret_clientCredentials').fill(guideEnv.CLIENT_SECRET!);
    for (const scope of scopes) await oauth2.locator(`label[for="${scope}-clientCredentials-checkbox-oauth2"]`).click();
    await oauth2.locator('button.authorize').click();
    await oauth2.getByText('Authorized').waitFor({ timeout: 10_000 });
    await page.click('.modal-ux button.close-modal');
  }

  /** Try it out on one operation: the status of the answer. */
  async function execute(page: Page, operationId: string, parameters: Record<string, string> = {}): Promise<string | undefined> {
    const operation = page.locator(`[id$="-${operationId}"].opblock`);
    await operation.locator('.opblock-summary').first().click();
    for (const [name, value] of Object.entries(parameters)) await operation.locator(`input[placeholder="${name}"]`).fill(value);
    await operation.locator('button.execute').click();
    const status = operation.locator('.live-responses-table tbody .response-col_status').first();
    await status.waitFor({ timeout: 10_000 });
    return (await status.textContent())?.trim();
  }

  it('gets a token in the Authorize dialog (oauth2 client credentials) and try-it sends it', async () => {
    const { page, exceptions, sent } = await open();
    // A deep link of the former Swagger UI at /docs lands on the same operation of the reference.
    await page.goto(`${ts.url}/docs#/raw/Products_getPaginatedItems`);
    await page.waitForURL(/\/docs\/reference#\/raw\/Products_getPaginatedItems$/);

    await page.goto(`${ts.url}/docs/reference?urls.primaryName=raw`);
    await page.waitForSelector('#operations-raw-Products_getPaginatedItems', { timeout: 20_000 });
    expect(await page.$eval('.topbar select', (select) => (select as unknown as { value: string }).value)).toBe('/openapi/raw.json');
    await authorize(page);
    expect(await execute(page, 'Products_getPaginatedItems', { shopId: guideEnv.SHOP_ID! })).toBe('200');

    const tokenRequest = sent.find((request) => request.url === `${ts.url}/oauth2/token`);
    expect(tokenRequest?.authorization).toBe(`Basic ${Buffer.from(`${guideEnv.CLIENT_ID}:${guideEnv.CLIENT_SECRET}`).toString('base64')}`);
    expect(tokenRequest?.body).toBe('grant_type=client_credentials');
    const apiRequest = sent.find((request) => request.url.startsWith(`${ts.url}/raw/v1/${guideEnv.SHOP_ID}/products`));
    expect(apiRequest?.authorization).toMatch(/^Bearer eyJ/);
    expect(exceptions).toEqual([]);
    await page.close();
  }, 90_000);

  it('offers the billing scopes in the Authorize dialog, and a billing call works with the ticked one', async () => {
    const { page, exceptions, sent } = await open();
    await page.goto(`${ts.url}/docs/reference?family=billing`);
    await page.waitForSelector('#operations-billing-listProducts', { timeout: 20_000 });
    await authorize(page, ['product.read']);
    expect(await execute(page, 'listProducts')).toBe('200');
    expect(sent.find((request) => request.url === `${ts.url}/oauth2/token`)?.body).toBe('grant_type=client_credentials&scope=product.read');
    expect(exceptions).toEqual([]);
    await page.close();
  }, 90_000);
});
