import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { consoleRoutes } from '../../src/console/console-routes.js';
import { loadConfig } from '../../src/platform/config/config.js';
import { createHttpServer } from '../../src/platform/http/server.js';
import { type TestServer, basic, startTestServer } from '../support/server.js';
import { chromiumMissing, launchChromium } from '../support/chromium.js';
import { accessibilityViolations, paintedPixels, screenshot, signIn, watchedPage } from './browser.js';
import { type ConsoleWorld, startConsoleWorld } from './world.js';

/** The console as its users see it: Debian's Chromium against a real psif pulling real (simulated) shops. */
describe.skipIf(chromiumMissing)('Tech Console in a browser', () => {
  let world: ConsoleWorld;
  let browser: Browser;
  let problems: string[] = [];
  /** Problems a test provokes on purpose, such as the browser logging a refused request. */
  let expected: RegExp[] = [];

  beforeAll(async () => {
    browser = await launchChromium();
    world = await startConsoleWorld();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await world?.close();
  });
  // Every test's page must stay free of uncaught errors, console errors and CSP violations.
  afterEach(() => {
    expect(problems.filter((problem) => !expected.some((e) => e.test(problem)))).toEqual([]);
    problems = [];
    expected = [];
  });

  async function open(viewport?: { width: number; height: number }): Promise<Page> {
    const watched = await watchedPage(browser, viewport);
    problems = watched.problems;
    return watched.page;
  }

  async function api<T>(path: string, token: string): Promise<T> {
    const response = await fetch(`${world.ts.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
    expect(response.status, path).toBe(200);
    return (await response.json()) as T;
  }

  it('a wrong secret shows the OAuth error; the right one lands on the dashboard with the figures of the API', async () => {
    const page = await open();
    // Chromium logs the refused token request.
    expected = [/Failed to load resource: the server responded with a status of 401/];
    await signIn(page, world.ts.url, { clientId: world.admin.clientId, clientSecret: 'not-the-secret' });
    const alert = page.getByRole('alert');
    await alert.waitFor({ timeout: 10_000 });
    expect(await alert.textContent()).toContain('invalid_client');
    expect(await accessibilityViolations(page)).toEqual([]);
    await screenshot(page, 'sign-in-error');

    await page.getByLabel('Client secret').fill(world.admin.clientSecret);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor({ timeout: 10_000 });
    await expect.poll(() => page.getByTestId('who').textContent(), { timeout: 5_000 }).toContain('ops');
    expect(await page.getByTestId('who').textContent()).toContain('admin');
    // The token is kept for the tab; the secret is not.
    const stored = (await page.evaluate('JSON.stringify(sessionStorage)')) as string;
    expect(JSON.parse(JSON.parse(stored)['psif.console.session'])).toMatchObject({ kind: 'admin', name: 'ops', clientId: world.admin.clientId });
    expect(stored).not.toContain(world.admin.clientSecret);

    const overview = await api<{ shops: number; modules: unknown[]; installations: { active: number; inactive: number } }>('/reporting/v1/overview', await world.ts.token(world.admin));
    expect(overview.shops).toBe(2);
    await page.getByTestId('kpi-shops').waitFor({ timeout: 10_000 });
    expect(await page.getByTestId('kpi-shops').textContent()).toBe(String(overview.shops));
    expect(await page.getByTestId('kpi-modules').textContent()).toBe(String(overview.modules.length));
    expect(await page.getByTestId('kpi-active-installations').textContent()).toBe(String(overview.installations.active));
    expect(await page.getByTestId('kpi-inactive-installations').textContent()).toBe(String(overview.installations.inactive));
  }, 60_000);

  it('draws the dashboard charts, each with a text alternative, and switches the window and the vendor', async () => {
    const page = await open();
    await signIn(page, world.ts.url, world.admin);
    const charts = page.locator('.chart-figure canvas');
    await charts.first().waitFor({ timeout: 10_000 });
    expect(await charts.count()).toBe(3);
    for (let i = 0; i < 3; i++) {
      expect(await paintedPixels(page, `.chart-figure:nth-of-type(${i + 1}) canvas`)).toBeGreaterThan(500);
      expect(await charts.nth(i).getAttribute('aria-label')).toMatch(/^(Shops by country|Sync volume|Sync errors): /);
    }
    // Both shops were pulled just now: the volume summary counts their objects; the countries are named.
    expect(await page.locator('figcaption').first().textContent()).toMatch(/DE: 1.*FR: 1|FR: 1.*DE: 1/);
    expect(await page.locator('figcaption').nth(1).textContent()).not.toMatch(/^0 objects/);
    await page.getByLabel('7 days').check();
    await expect.poll(() => page.locator('figcaption').nth(1).textContent(), { timeout: 10_000 }).toContain('7 days, per day');
    expect(await accessibilityViolations(page)).toEqual([]);
    await screenshot(page, 'dashboard');
    // An operator can look at one vendor as that vendor sees itself.
    expect(await page.getByTestId('kpi-shops').textContent()).toBe('2');
    await page.getByLabel('Vendor').selectOption({ label: 'acme' });
    await expect.poll(() => page.getByTestId('kpi-shops').textContent(), { timeout: 10_000 }).toBe('1');
    expect(await page.locator('figcaption').first().textContent()).toBe('FR: 1');
  }, 60_000);

  it('lists the shops, opens one with its health, consents, sync state and error chart, and "Sync now" adds a job', async () => {
    const page = await open();
    const shopId = world.acmeShop.shopId;
    await signIn(page, world.ts.url, world.admin);
    await page.getByRole('link', { name: 'Shops' }).click();
    const rows = page.locator('[data-testid=shops] tbody tr');
    await rows.first().waitFor({ timeout: 10_000 });
    expect(await rows.count()).toBe(2);
    await page.getByLabel('Search shops').fill(shopId);
    await page.getByRole('button', { name: 'Search' }).click();
    await expect.poll(() => rows.count(), { timeout: 10_000 }).toBe(1);
    const row = page.locator(`tr[data-shop-id="${shopId}"]`);
    expect(await row.textContent()).toContain('FR');
    expect(await row.textContent()).toContain('ps_acme');
    expect(await accessibilityViolations(page)).toEqual([]);
    await screenshot(page, 'shops');

    await row.getByRole('link').click();
    await page.waitForURL(`**/console/shops/${shopId}`);
    const stateRows = page.locator('[data-testid=sync-state] tbody tr');
    await stateRows.first().waitFor({ timeout: 10_000 });
    const token = await world.ts.token(world.admin);
    const state = await api<{ items: { shopContent: string; rowCount: number }[] }>(`/reporting/v1/shop/${shopId}/sync-state`, token);
    expect(await stateRows.count()).toBe(state.items.length);
    const products = state.items.find((item) => item.shopContent === 'products')!;
    expect(products.rowCount).toBeGreaterThan(0);
    expect(await page.locator('[data-testid=sync-state] tr', { hasText: 'products' }).first().textContent()).toContain(String(products.rowCount));
    expect(await page.getByRole('heading', { name: 'Consents' }).isVisible()).toBe(true);
    expect(await page.locator('summary', { hasText: 'ps_acme' }).textContent()).toContain('products');
    expect(await paintedPixels(page, '.chart-figure canvas')).toBeGreaterThan(500);

    await page.getByRole('button', { name: 'Run health check' }).click();
    await page.getByTestId('health').waitFor({ timeout: 15_000 });
    expect(await page.getByTestId('health').textContent()).toContain('healthy');

    const jobs = page.locator('[data-testid=jobs] tbody tr');
    await jobs.first().waitFor({ timeout: 10_000 });
    expect(await page.locator('[data-testid=jobs] td', { hasText: /^api$/ }).count()).toBe(0);
    await page.getByRole('button', { name: 'Sync now' }).click();
    await page.getByTestId('queued').waitFor({ timeout: 10_000 });
    expect(await page.getByTestId('queued').textContent()).toMatch(/\d+ incremental pulls queued/);
    // The page follows the pulls: the job list shows them without a reload.
    const triggered = page.locator('[data-testid=jobs] tbody tr', { has: page.locator('td', { hasText: /^api$/ }) });
    await triggered.first().waitFor({ timeout: 15_000 });
    const listed = await api<{ items: { id: string; trigger: string }[] }>(`/reporting/v1/shop/${shopId}/jobs?trigger=api`, token);
    expect(listed.items.length).toBeGreaterThan(0);
    expect(listed.items.map((j) => j.id)).toContain(await triggered.first().getAttribute('data-job-id'));
    expect(await accessibilityViolations(page)).toEqual([]);
    await screenshot(page, 'shop');
  }, 90_000);

  it("a vendor sees its own shop and billing only, no admin menu and no admin action; another vendor's shop is refused", async () => {
    const page = await open();
    await signIn(page, world.ts.url, world.acme);
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor({ timeout: 10_000 });
    expect(await page.getByTestId('who').textContent()).toContain('acme');
    const nav = page.getByRole('navigation', { name: 'Main' });
    expect(await nav.getByRole('link').allTextContents()).toEqual(['Dashboard', 'Shops']);
    await page.getByTestId('kpi-shops').waitFor({ timeout: 10_000 });
    expect(await page.getByTestId('kpi-shops').textContent()).toBe('1');
    // Its billing: the one sandbox subscription, its MRR formatted from minor units.
    expect(await page.getByTestId('kpi-active-subscriptions').textContent()).toBe('0');
    await page.getByLabel('Sandbox billing data').check();
    await expect.poll(() => page.getByTestId('kpi-active-subscriptions').textContent(), { timeout: 10_000 }).toBe('1');
    expect(await page.getByTestId('kpi-mrr').textContent()).toBe(`€${(world.acmeMonthlyPrice / 100).toFixed(2)}`);
    expect(await page.getByRole('heading', { name: 'Billing (sandbox)' }).isVisible()).toBe(true);
    expect(await accessibilityViolations(page)).toEqual([]);
    await screenshot(page, 'vendor-dashboard');

    await nav.getByRole('link', { name: 'Shops' }).click();
    const rows = page.locator('[data-testid=shops] tbody tr');
    await rows.first().waitFor({ timeout: 10_000 });
    expect(await rows.count()).toBe(1);
    expect(await rows.first().getAttribute('data-shop-id')).toBe(world.acmeShop.shopId);

    await rows.first().getByRole('link').click();
    await page.locator('[data-testid=sync-state]').waitFor({ timeout: 10_000 });
    expect(await page.getByRole('button', { name: 'Run health check' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Sync now' }).isEnabled()).toBe(true);

    // Typed into the address bar: the API refuses (Chromium logs each refusal), and the page says why.
    expected = [/Failed to load resource: the server responded with a status of 403/];
    await page.goto(`${world.ts.url}/console/shops/${world.globexShop.shopId}`);
    const refused = page.getByRole('alert').first();
    await refused.waitFor({ timeout: 10_000 });
    expect(await refused.textContent()).toContain('consent_missing');
    await page.goto(`${world.ts.url}/console/clients`);
    await page.getByRole('heading', { name: 'Page not found' }).waitFor({ timeout: 10_000 });
    await screenshot(page, 'vendor');

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor({ timeout: 5_000 });
    expect(await page.evaluate('sessionStorage.length')).toBe(0);
  }, 60_000);

  it('an admin creates a client: its secret is shown once, in a dialog, and gets a token; deleting asks first', async () => {
    const page = await open();
    await signIn(page, world.ts.url, world.admin);
    await page.getByRole('link', { name: 'Clients' }).click();
    await page.getByRole('heading', { name: 'Create a client' }).waitFor({ timeout: 10_000 });
    await page.getByLabel('Kind').selectOption('vendor');
    await page.getByLabel('Name').fill('initech');
    await page.getByRole('button', { name: 'Create client' }).click();
    const dialog = page.getByRole('dialog', { name: 'Client initech created' });
    await dialog.waitFor({ timeout: 10_000 });
    expect(await dialog.textContent()).toContain('will not be shown again');
    const clientId = await dialog.getByLabel('Client id').inputValue();
    const clientSecret = await dialog.getByLabel('Client secret').inputValue();
    expect(clientSecret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await accessibilityViolations(page)).toEqual([]);
    await screenshot(page, 'client-secret');
    await dialog.getByRole('button', { name: 'I have saved it' }).click();
    await dialog.waitFor({ state: 'detached', timeout: 5_000 });
    const row = page.locator(`tr[data-client-id="${clientId}"]`);
    await row.waitFor({ timeout: 10_000 });
    expect(await page.content()).not.toContain(clientSecret);

    const issued = await fetch(`${world.ts.url}/oauth2/token`, { method: 'POST', headers: { authorization: basic(clientId, clientSecret), 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials' });
    expect(issued.status).toBe(200);

    // Rotation shows the new secret once too; the new one works.
    await row.getByRole('button', { name: 'Rotate secret of initech' }).click();
    const rotated = page.getByRole('dialog', { name: 'New secret of initech' });
    await rotated.waitFor({ timeout: 10_000 });
    const newSecret = await rotated.getByLabel('Client secret').inputValue();
    expect(newSecret).not.toBe(clientSecret);
    await rotated.getByRole('button', { name: 'I have saved it' }).click();
    await rotated.waitFor({ state: 'detached', timeout: 5_000 });
    expect((await fetch(`${world.ts.url}/oauth2/token`, { method: 'POST', headers: { authorization: basic(clientId, newSecret), 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials' })).status).toBe(200);

    // The confirmation is a modal dialog: Escape closes it and nothing is deleted.
    await row.getByRole('button', { name: 'Delete initech' }).click();
    const confirm = page.getByRole('dialog', { name: 'Delete initech?' });
    await confirm.waitFor({ timeout: 5_000 });
    await page.keyboard.press('Escape');
    await confirm.waitFor({ state: 'detached', timeout: 5_000 });
    expect(await row.count()).toBe(1);
    await row.getByRole('button', { name: 'Delete initech' }).click();
    await confirm.getByRole('button', { name: 'Delete', exact: true }).click();
    await row.waitFor({ state: 'detached', timeout: 10_000 });
    const refused = await fetch(`${world.ts.url}/oauth2/token`, { method: 'POST', headers: { authorization: basic(clientId, newSecret), 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials' });
    expect(refused.status).toBe(401);

    await page.getByRole('link', { name: 'Signing keys' }).click();
    const keys = page.locator('table tbody tr');
    await keys.first().waitFor({ timeout: 10_000 });
    const before = await keys.count();
    await page.getByRole('button', { name: 'Rotate the signing key' }).click();
    await expect.poll(() => page.getByRole('status').first().textContent(), { timeout: 10_000 }).toContain('signs new tokens from now on');
    await expect.poll(() => keys.count(), { timeout: 10_000 }).toBe(before + 1);
    expect(await accessibilityViolations(page)).toEqual([]);
  }, 60_000);

  it('a session ends when its token expires, and the sign-in page says why', async () => {
    const brief = await world.ts.createClient({ kind: 'admin', name: 'brief', accessTokenTtl: 2 });
    const page = await open();
    await signIn(page, world.ts.url, brief);
    await page.getByTestId('who').waitFor({ timeout: 10_000 });
    await page.getByText('Your session expired').waitFor({ timeout: 15_000 });
    expect(await page.getByLabel('Client secret').inputValue()).toBe('');
    expect(await page.evaluate('sessionStorage.length')).toBe(0);
  }, 30_000);

  it('the CSP is enforced and watched: an inline script injected into the page is refused and reported', async () => {
    const page = await open();
    await page.goto(`${world.ts.url}/console`);
    await page.getByLabel('Client id').waitFor({ timeout: 10_000 });
    expected = [/CSP violation: script-src/, /violates the following Content Security Policy directive 'script-src/];
    await page.evaluate(`{ const s = document.createElement('script'); s.textContent = 'window.injected = true'; document.body.append(s); }`);
    // Both the securitypolicyviolation event and Chromium's own report reach the watcher.
    await expect.poll(() => expected.every((e) => problems.some((p) => e.test(p))), { timeout: 5_000 }).toBe(true);
    expect(await page.evaluate('window.injected')).toBeUndefined();
  });

  it('fits a 375 px phone: the navigation collapses behind a menu button', async () => {
    const page = await open({ width: 375, height: 812 });
    await signIn(page, world.ts.url, world.admin);
    await page.getByTestId('kpi-shops').waitFor({ timeout: 10_000 });
    const menu = page.getByRole('button', { name: 'Menu' });
    expect(await menu.isVisible()).toBe(true);
    expect(await menu.getAttribute('aria-expanded')).toBe('false');
    expect(await page.getByRole('link', { name: 'Shops' }).isVisible()).toBe(false);
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(375);
    await screenshot(page, 'phone-dashboard');
    await menu.click();
    expect(await menu.getAttribute('aria-expanded')).toBe('true');
    await page.getByRole('link', { name: 'Shops' }).click();
    await page.locator('[data-testid=shops]').waitFor({ timeout: 10_000 });
    expect(await page.getByRole('link', { name: 'Clients' }).isVisible()).toBe(false);
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(375);
    await screenshot(page, 'phone-shops');
    // Wide tables scroll inside their own box; the page itself never does sideways.
    await page.locator(`tr[data-shop-id="${world.acmeShop.shopId}"]`).getByRole('link').click();
    await page.locator('[data-testid=jobs]').waitFor({ timeout: 10_000 });
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(375);
    expect(await accessibilityViolations(page)).toEqual([]);
    await screenshot(page, 'phone-shop');
  }, 60_000);
});

/** The server side: index.html for client routes, long-cached hashed assets, the CSP on everything. */
describe('console assets', () => {
  let ts: TestServer;
  beforeAll(async () => {
    ts = await startTestServer();
  });
  afterAll(async () => {
    await ts?.close();
  });

  it('serves index.html for /console and client routes with a strict CSP, hashed assets for a year', async () => {
    const index = await fetch(`${ts.url}/console`);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toContain('text/html');
    expect(index.headers.get('cache-control')).toBe('no-cache');
    const csp = index.headers.get('content-security-policy')!;
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    const html = await index.text();
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toContain('<style');

    for (const path of ['/console/', '/console/shops', '/console/shops/3f0e1bc8-1f49-4f5e-9d7b-8c1f3f2a9b10']) {
      const fallback = await fetch(`${ts.url}${path}`);
      expect(fallback.status, path).toBe(200);
      expect(await fallback.text(), path).toBe(html);
    }

    const assets = [...html.matchAll(/(?:src|href)="(\/console\/assets\/[^"]+)"/g)].map((m) => m[1]!);
    expect(assets.some((a) => a.endsWith('.js'))).toBe(true);
    expect(assets.some((a) => a.endsWith('.css'))).toBe(true);
    for (const asset of assets) {
      const response = await fetch(`${ts.url}${asset}`);
      expect(response.status, asset).toBe(200);
      expect(response.headers.get('cache-control'), asset).toBe('public, max-age=31536000, immutable');
      expect(response.headers.get('content-security-policy'), asset).toBe(csp);
      expect((await response.arrayBuffer()).byteLength, asset).toBeGreaterThan(0);
    }

    const missing = await fetch(`${ts.url}/console/assets/nothing-here.js`);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { code: string }).code).toBe('route_not_found');
    // Not in the API documents.
    const openapi = (await (await fetch(`${ts.url}/openapi.json`)).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(openapi.paths).filter((p) => p.startsWith('/console'))).toEqual([]);
  });
});

describe('console not built', () => {
  it('answers 503 console_not_built, telling how to build it', async () => {
    const app = createHttpServer(loadConfig({ LOG_LEVEL: 'silent' }));
    await app.register(consoleRoutes, { assetsDir: mkdtempSync(path.join(tmpdir(), 'psif-console-')) });
    for (const url of ['/console', '/console/shops']) {
      const response = await app.inject({ url });
      expect(response.statusCode, url).toBe(503);
      expect(response.json()).toEqual({ statusCode: 503, code: 'console_not_built', message: 'run npm run build' });
    }
    await app.close();
  });
});
