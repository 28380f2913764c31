import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { psifClient } from '../../src/client/psif-client.js';
import { CLI } from '../support/cli.js';

/**
 * `psif demo` as a user runs it: the built CLI in its own process, a psif with two simulated shops,
 * everything seeded through the HTTP APIs. The test reads what it printed, checks the seeded state
 * through the APIs, runs the printed curl commands with bash, then stops it with SIGINT.
 */
const execFileAsync = promisify(execFile);

let child: ChildProcess;
let stdout = '';
let stderr = '';
let exited: Promise<number | null>;
let summary: { url: string; dataDir: string; admin: Credentials; vendor: Credentials; shops: { shopId: string; country: string; url: string }[]; curl: string[] };

interface Credentials {
  clientId: string;
  clientSecret: string;
}

beforeAll(async () => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" (npm test does it)`);
  // Only PATH: the demo must not need (or read) any psif variable of the environment.
  child = spawn(process.execPath, [CLI, 'demo', '--port', '0', '--shops', '2', '--products', '150'], { env: { PATH: process.env.PATH ?? '' }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  const deadline = Date.now() + 120_000;
  while (!stdout.includes('Press Ctrl+C to stop.')) {
    if (child.exitCode !== null) throw new Error(`psif demo exited with ${child.exitCode}: ${stderr}`);
    if (Date.now() > deadline) throw new Error(`psif demo not ready within 120 s: ${stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  summary = parse(stdout);
}, 150_000);

afterAll(async () => {
  if (child && child.exitCode === null) {
    child.kill('SIGKILL');
    await exited;
  }
});

function parse(text: string) {
  const match = (pattern: RegExp) => {
    const found = text.match(pattern);
    if (!found) throw new Error(`no ${pattern} in the demo output:\n${text}`);
    return found;
  };
  const console = match(/Console:\s+(http:\/\/\S+)\/console/)[1]!;
  const credentials = (label: string) => {
    const [, clientId, clientSecret] = match(new RegExp(`${label}\\s+id (\\S+)\\s+secret (\\S+)`));
    return { clientId: clientId!, clientSecret: clientSecret! };
  };
  const shops = [...text.matchAll(/^ {2}([0-9a-f-]{36}) {2}([A-Z]{2}) {2}(http:\/\/\S+)/gm)].map(([, shopId, country, url]) => ({ shopId: shopId!, country: country!, url: url! }));
  const tryIt = text.slice(text.indexOf('Try it (bash):'), text.indexOf('Press Ctrl+C'));
  const curl = tryIt.split('\n').filter((line) => line.startsWith('  ') && !line.trimStart().startsWith('#')).map((line) => line.trim());
  return { url: console, dataDir: match(/Data:\s+(\S+) \(SQLite/)[1]!, admin: credentials('admin client'), vendor: credentials('vendor "acme"'), shops, curl };
}

describe('psif demo --port 0 --shops 2', () => {
  it('prints the console and docs URLs, the credentials, the shops and the curl commands', async () => {
    expect(stdout).toMatch(/a local demo: its secrets are printed on purpose/);
    expect(stdout).toContain(`API docs:  ${summary.url}/docs`);
    expect(summary.shops.map((s) => s.country)).toEqual(['FR', 'DE']);
    expect(summary.curl).toHaveLength(4);
    expect((await fetch(`${summary.url}/docs`)).status).toBe(200);
    // Progress went to stderr, one plain line at a time (not a terminal here).
    expect(stderr).toMatch(/^sync FR [0-9a-f]{8}: \d+\/\d+ contents, \d+ rows done$/m);
    expect(stderr).toMatch(/^billing: products and subscriptions: \d+\/\d+ .* done$/m);
  });

  it('seeded shops a vendor reaches through its consents, with rows pulled from the simulators', async () => {
    const acme = psifClient({ baseUrl: summary.url, credentials: summary.vendor });
    for (const shop of summary.shops) {
      const products = await acme.GET('/raw/v1/{shopId}/products', { params: { path: { shopId: shop.shopId } } });
      expect(products.response.status).toBe(200);
      expect((products.data as { items: unknown[] }).items.length).toBeGreaterThan(0);
      const info = await acme.GET('/raw/v1/{shopId}/shop', { params: { path: { shopId: shop.shopId } } });
      expect(info.response.status).toBe(200);
      expect(JSON.stringify(info.data)).toContain(`"countryCode":"${shop.country}"`);
    }
    const listed = await acme.GET('/reporting/v1/shops', {});
    expect(listed.response.status).toBe(200);
    for (const shop of summary.shops) expect(JSON.stringify(listed.data)).toContain(shop.shopId);
  });

  it('seeded consents: the first shop consents to four modules of three vendors, the second revoked one (an inactive installation)', async () => {
    const admin = psifClient({ baseUrl: summary.url, credentials: summary.admin });
    const consents = async (shopId: string) => {
      const { data } = await admin.GET('/sync/v1/shops/{shopId}/consents', { params: { path: { shopId } } });
      return Object.fromEntries(data!.items.map((m) => [m.moduleName, m.consents.length]));
    };
    const [first, second] = [summary.shops[0]!, summary.shops[1]!];
    expect(Object.keys(await consents(first.shopId)).sort()).toEqual(['ps_acme_insights', 'ps_acme_reviews', 'ps_globex_marketing', 'ps_initech_shipping']);
    expect(Object.keys(await consents(second.shopId)).sort()).toEqual(['ps_acme_insights', 'ps_acme_reviews']);
    const revoked = await admin.GET('/sync/v1/shops/{shopId}/consents/{moduleName}', { params: { path: { shopId: second.shopId, moduleName: 'ps_initech_shipping' } } });
    expect(revoked.data).toMatchObject({ consents: [] });
    // The Reporting API tells the revoked installation from the active one, and the shops' countries apart.
    const initech = await admin.GET('/reporting/v1/overview', { params: { query: { vendorId: 'initech' } as never } });
    expect(initech.data).toMatchObject({ installations: { active: 1, inactive: 1 } });
    const acme = await admin.GET('/reporting/v1/overview', { params: { query: { vendorId: 'acme' } as never } });
    expect(acme.data!.shopsByCountry.map((c) => c.country).sort()).toEqual(['DE', 'FR']);
    const { data: vendors } = await admin.GET('/admin/v1/clients', { params: { query: { kind: 'vendor', limit: 100, offset: 0 } } });
    expect(vendors!.items.map((c) => c.name).sort()).toEqual(['acme', 'globex', 'initech']);
  });

  it('seeded billing in live data (the sandbox gateway pays): subscriptions active, in trial and cancelled', async () => {
    const admin = psifClient({ baseUrl: summary.url, credentials: summary.admin });
    const statuses: string[] = [];
    for (const shop of summary.shops) {
      for (const productId of ['ps_acme_insights', 'ps_globex_marketing', 'ps_initech_shipping']) {
        const { data, response } = await admin.GET('/billing/v1/customers/{customerId}/subscriptions/{productId}', { params: { path: { customerId: shop.shopId, productId } } });
        if (response.status === 200) statuses.push(data!.status);
      }
    }
    expect(statuses.sort()).toEqual(['active', 'active', 'cancelled', 'in_trial']);
    const acme = psifClient({ baseUrl: summary.url, credentials: { ...summary.vendor, scope: 'product.read' } });
    const { data: plans } = await acme.GET('/billing/v1/products/{productId}/components', { params: { path: { productId: 'ps_acme_insights' } } });
    expect((plans as { items: { pricingModel: string }[] }).items.map((p) => p.pricingModel).sort()).toEqual(['flat_fee', 'flat_fee', 'stairstep']);
  });

  it('prints curl commands that work as they are', async () => {
    const script = ['set -euo pipefail', ...summary.curl.map((command, i) => (i === 0 ? command : `${command}; echo`))].join('\n');
    const { stdout: out } = await execFileAsync('bash', ['-c', script], { timeout: 30_000 });
    const lines = out.trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(JSON.parse(lines[0]!)).toBeTypeOf('object');
    expect(JSON.parse(lines[1]!)).toMatchObject({ kind: 'products', items: expect.any(Array) });
    expect(JSON.parse(lines[2]!)).toMatchObject({ object: 'subscription', product_id: 'ps_acme_insights', status: 'active' });
  });

  it('stops cleanly on SIGINT: exit 0, simulated shops closed, temporary data dir removed', async () => {
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(stderr).toMatch(/psif demo stopped/);
    expect(existsSync(summary.dataDir)).toBe(false);
    for (const url of [summary.url, ...summary.shops.map((s) => s.url)]) await expect(fetch(url)).rejects.toThrow();
  });
});

describe('psif demo interrupted while it starts', () => {
  it('stops what it started on SIGINT during the seeding: exit 130, temporary data dir removed', async () => {
    const demo = spawn(process.execPath, [CLI, 'demo', '--port', '0', '--shops', '3', '--products', '150'], { env: { PATH: process.env.PATH ?? '' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    demo.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
    const exit = new Promise<number | null>((resolve) => demo.once('exit', (code) => resolve(code)));
    const deadline = Date.now() + 60_000;
    // Interrupted once the simulated shops are being started: there is a server, shops and a directory to clean.
    while (!/simulated shops: started/.test(err)) {
      if (demo.exitCode !== null) throw new Error(`psif demo exited with ${demo.exitCode}: ${err}`);
      if (Date.now() > deadline) throw new Error(`psif demo did not start seeding within 60 s: ${err}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const dataDir = /Data directory: (.+)/.exec(err)![1]!.trim();
    expect(existsSync(dataDir)).toBe(true);
    demo.kill('SIGINT');
    expect(await exit).toBe(130);
    expect(err).toMatch(/psif demo stopped before it was ready/);
    expect(existsSync(dataDir)).toBe(false);
  }, 90_000);
});
